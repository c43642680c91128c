import Foundation
import Testing

/// The dashboard API's settings at start: `--dashboard-open` only on loopback, CORS origins checked.
@Suite struct DashboardSettingsTests {
    static let environment = ["WHATSAPP_APP_SECRET": "dashboard-settings-secret"]

    @Test func anOpenDashboardIsRefusedAwayFromLoopback() throws {
        let data = TempDataDirectory()
        let result = try CLI.run(
            ["serve", "--data-dir", data.path, "--webhook-port", "0", "--dashboard-open", "--api-host", "0.0.0.0"],
            environment: Self.environment)
        #expect(result.status == 78)
        #expect(result.stderr.contains("--dashboard-open"), "\(result.stderr)")
        #expect(result.stderr.contains("loopback"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: data.path + "/log"), "refused before opening anything")
    }

    @Test func corsOriginsAreCheckedAndNeverAWildcard() throws {
        let data = TempDataDirectory()
        for origin in ["*", "https://example.com/path", "example.com"] {
            let result = try CLI.run(
                ["serve", "--data-dir", data.path, "--webhook-port", "0", "--cors-origin", origin],
                environment: Self.environment)
            #expect(result.status == 78, "\(origin)")
            #expect(result.stderr.contains("--cors-origin"), "\(result.stderr)")
            #expect(result.stderr.contains("scheme://host[:port]"), "\(result.stderr)")
        }
    }

    @Test func aReportingTimeZoneMustExist() throws {
        let data = TempDataDirectory()
        let result = try CLI.run(
            ["serve", "--data-dir", data.path, "--webhook-port", "0", "--reporting-time-zone", "Mars/Olympus"],
            environment: Self.environment)
        #expect(result.status == 78)
        #expect(result.stderr.contains("--reporting-time-zone"), "\(result.stderr)")
        #expect(result.stderr.contains("'Mars/Olympus' is not a time zone"), "\(result.stderr)")
    }
}
