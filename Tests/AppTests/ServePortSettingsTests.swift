import Foundation
import Testing

/// The public port's settings are checked at start, each named when wrong (exit 78).
@Suite struct ServePortSettingsTests {
    @Test func aBodyLimitTheLogCannotStoreIsRefusedNamingTheSetting() throws {
        let data = TempDataDirectory()
        // The log's events are at most 16 MiB; the body needs room beside it for the hit's fields.
        let result = try CLI.run(["serve", "--data-dir", data.path, "--body-limit", "\(16 << 20)"])
        #expect(result.status == 78)
        #expect(result.stderr.contains("--body-limit"))
        #expect(result.stderr.contains("\((16 << 20) - 4096) bytes"))
    }

    @Test func badPortLimitsAreRefusedNamingTheSetting() throws {
        let data = TempDataDirectory()
        for (flag, key) in [
            ("--idle-timeout", "idle_timeout_seconds"), ("--body-timeout", "body_timeout_seconds"),
            ("--max-connections", "max_connections"),
        ] {
            let result = try CLI.run(["serve", "--data-dir", data.path, flag, "0"])
            #expect(result.status == 78, "\(flag)")
            #expect(result.stderr.contains(flag) && result.stderr.contains(key), "\(result.stderr)")
            let path = data.path + "/config.json"
            try Data("{\"\(key)\": -1}".utf8).write(to: URL(fileURLWithPath: path))
            let fromFile = try CLI.run(["serve", "--config", path])
            #expect(fromFile.status == 78, "\(key)")
            #expect(fromFile.stderr.contains(key))
        }
    }
}
