import EventStore
import Foundation
import Testing

/// A payload Foundation reads but cannot write back (a number beyond `Double`) still prints every
/// byte with `--raw`: `replay` never shows an empty object in its place.
@Suite struct ReplayUnwritablePayloadTests {
    @Test func aPayloadThatCannotBeRewrittenPrintsAsBase64() async throws {
        let data = TempDataDirectory()
        let log = try EventLog.open(directory: data.logPath)
        let payload = Array(#"{"n":1e400}"#.utf8)
        try await log.append(NewEvent(type: "future.big", stream: "s", data: payload, attachment: Array("body".utf8)))
        await log.close()
        let result = try CLI.run(["replay", "--data-dir", data.path, "--raw"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(result.lines.compactMap(jsonObject).first)
        let printed = try #require(object["data"] as? [String: Any])
        #expect(!printed.isEmpty)
        // Foundation reads the number as infinity, which it then cannot write.
        let base64 = try #require(printed["undecoded_base64"] as? String, "\(printed)")
        #expect(Data(base64Encoded: base64) == Data(payload))
        #expect(printed["raw_base64"] as? String == Data("body".utf8).base64EncodedString())
    }
}
