import Domain
import EventStore
import Foundation
import Testing

@Suite struct ReplayCommandTests {
    /// A log with every kind of event the catalogue has so far, plus an unknown one, written in
    /// three bursts 30 ms apart.
    private func makeLog() async throws -> (TempDataDirectory, [RecordedEvent], rawBody: [UInt8]) {
        let data = TempDataDirectory()
        let log = try EventLog.open(directory: data.logPath)
        let body = try fixture("unicode_escaped_text.json")
        let sender = Sender(waId: "16505551234", profileName: "Ana", phoneNumberId: "106540352242922")
        try await log.append([
            WebhookReceived(
                receivedAt: 1, remoteAddress: "127.0.0.1", signature: .valid, parse: .parsed, bodyBytes: body.count
            )
            .newEvent(attachment: body),
            MessageReceived(wamid: "wamid.T1", sender: sender, messageType: "text", timestamp: 1, textPreview: "olá")
                .newEvent(),
        ])
        try await Task.sleep(for: .milliseconds(30))
        try await log.append([
            ButtonClicked(
                wamid: "wamid.C1", sender: sender, kind: .templateQuickReply, payload: "unlock:2026-11-24", text: "Get",
                contextId: "wamid.TPL", timestamp: 2
            ).newEvent(),
            StatusUpdated(wamid: "wamid.S1", status: "read", timestamp: 3, recipientId: "5511999990000").newEvent(),
            DeliveryStarted(deliveryId: "d-1", contact: "16505551234", pack: "daily", steps: 6, clickWamid: "wamid.C1")
                .newEvent(),
        ])
        try await Task.sleep(for: .milliseconds(30))
        try await log.append([
            DeliveryStepSent(deliveryId: "d-1", step: 0, wamid: "wamid.O1").newEvent(),
            DeliveryCompleted(deliveryId: "d-1").newEvent(),
            NewEvent(type: "future.unknown", version: 7, stream: "x", data: Array("plain text, not JSON".utf8)),
        ])
        await log.close()
        let reader = try LogReader.open(directory: data.logPath)
        var iterator = reader.events().makeAsyncIterator()
        var all: [RecordedEvent] = []
        while let event = try iterator.nextEvent() { all.append(event) }
        return (data, all, body)
    }

    @Test func jsonlPrintsEveryEventWithItsEnvelopeAndPayload() async throws {
        let (data, all, _) = try await makeLog()
        let result = try CLI.run(["replay", "--data-dir", data.path])
        #expect(result.status == 0, "\(result.stderr)")
        let objects = result.lines.compactMap(jsonObject)
        #expect(objects.count == all.count)
        #expect(objects.map { $0["position"] as? Int } == all.map { Int($0.position) })
        #expect(objects.map { $0["type"] as? String } == all.map(\.type))
        #expect(objects.map { $0["stream"] as? String } == all.map(\.stream))
        for object in objects {
            let time = try #require(object["time"] as? String)
            #expect(time.hasSuffix("Z") && time.count == 24, "\(time)")
            #expect(object["data"] is [String: Any])
        }
        let click = try #require(objects.first { $0["type"] as? String == "button.clicked" }?["data"] as? [String: Any])
        #expect(click["payload"] as? String == "unlock:2026-11-24")
        #expect(click["context_id"] as? String == "wamid.TPL")
        // The unknown type still prints, its undecodable payload kept as text.
        let unknown = try #require(objects.last?["data"] as? [String: Any])
        #expect(unknown["undecoded_text"] as? String == "plain text, not JSON")
        // Without --raw no body is printed.
        #expect((objects[0]["data"] as? [String: Any])?["raw"] == nil)
    }

    @Test func rawIncludesTheWebhookBodyByteForByte() async throws {
        let (data, _, body) = try await makeLog()
        let result = try CLI.run(["replay", "--data-dir", data.path, "--raw", "--type", "webhook.received"])
        #expect(result.status == 0)
        let object = try #require(result.lines.first.flatMap(jsonObject))
        let raw = try #require((object["data"] as? [String: Any])?["raw"] as? String)
        #expect(Array(raw.utf8) == body)
    }

    @Test func filtersByTypePrefixStreamAndPosition() async throws {
        let (data, all, _) = try await makeLog()
        func positions(_ arguments: [String]) throws -> [Int] {
            let result = try CLI.run(["replay", "--data-dir", data.path] + arguments)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            return result.lines.compactMap { jsonObject($0)?["position"] as? Int }
        }
        let deliveries = all.filter { $0.type.hasPrefix("delivery.") }.map { Int($0.position) }
        #expect(try positions(["--type", "delivery."]) == deliveries)
        let mixed = all.filter { $0.type == "button.clicked" || $0.type.hasPrefix("status.") }.map { Int($0.position) }
        #expect(try positions(["--type", "button.clicked", "--type", "status."]) == mixed)
        let ana = all.filter { $0.stream == "16505551234" }.map { Int($0.position) }
        #expect(try positions(["--stream", "16505551234"]) == ana)
        #expect(try positions(["--from", "3", "--to", "5"]) == [3, 4, 5])
        #expect(try positions(["--from", "7"]) == [7, 8])
    }

    @Test func filtersByTime() async throws {
        let (data, all, _) = try await makeLog()
        let second = all[2].timestamp
        let third = all[5].timestamp
        #expect(second > all[1].timestamp && third > second)
        let since = iso(second)
        let until = iso(third)
        let result = try CLI.run(["replay", "--data-dir", data.path, "--since", since, "--until", until])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.lines.compactMap { jsonObject($0)?["position"] as? Int } == [3, 4, 5])
    }

    private func iso(_ milliseconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }

    @Test func textFormatIsOneReadableLinePerEvent() async throws {
        let (data, all, _) = try await makeLog()
        let result = try CLI.run(["replay", "--data-dir", data.path, "--format", "text"])
        #expect(result.status == 0)
        #expect(result.lines.count == all.count)
        #expect(result.lines[0].hasPrefix("#1 ") && result.lines[0].contains("webhook.received"))
        #expect(result.lines[0].contains("raw bytes"))
        #expect(result.lines.last!.contains("future.unknown v7"))
    }

    @Test func clearErrorsForBadArgumentsMissingAndEmptyLogs() async throws {
        let missing = try CLI.run(["replay", "--data-dir", "/nonexistent/clickunlock"])
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("no event log at /nonexistent/clickunlock/log"))
        #expect(missing.stdout.isEmpty)

        let data = TempDataDirectory()
        await (try EventLog.open(directory: data.logPath)).close()
        let empty = try CLI.run(["replay", "--data-dir", data.path])
        #expect(empty.status == 0)
        #expect(empty.stderr.contains("is empty"))
        #expect(empty.stdout.isEmpty)

        let badTime = try CLI.run(["replay", "--data-dir", data.path, "--since", "yesterday"])
        #expect(badTime.status == 64)
        #expect(badTime.stderr.contains("RFC 3339"))
        let badFormat = try CLI.run(["replay", "--data-dir", data.path, "--format", "xml"])
        #expect(badFormat.status == 64)
        #expect(badFormat.stderr.contains("jsonl or text"))
    }

    @Test func corruptBatchStopsTheReplayUnlessSkipCorrupt() async throws {
        let data = TempDataDirectory()
        let log = try EventLog.open(directory: data.logPath)
        for index in 0..<20 {
            try await log.append(
                NewEvent(
                    type: "test.item", stream: "s", data: Array("{\"index\":\(index)}".utf8),
                    attachment: Array(repeating: UInt8(index), count: 500)))
        }
        await log.close()
        let segment = data.logPath + "/00000000000000000001.seg"
        // Flip a byte inside the 10th batch's stored bytes (36-byte segment header, then batches).
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: segment)))
        var offset = 36
        for _ in 0..<9 { offset += 48 + Int(bytes[offset + 44]) + Int(bytes[offset + 45]) << 8 }
        bytes[offset + 50] ^= 0x40
        try Data(bytes).write(to: URL(fileURLWithPath: segment))

        let stopped = try CLI.run(["replay", "--data-dir", data.path])
        #expect(stopped.status == 65)
        #expect(stopped.stderr.contains("00000000000000000001.seg") && stopped.stderr.contains("offset \(offset)"))
        #expect(stopped.lines.count == 9)

        let skipped = try CLI.run(["replay", "--data-dir", data.path, "--skip-corrupt"])
        #expect(skipped.status == 2)
        #expect(skipped.lines.count == 19)
        #expect(skipped.stderr.contains("skipped") && skipped.stderr.contains("offset \(offset)"))
        #expect(!skipped.lines.contains { $0.contains("\"position\":10,") })

        let verify = try CLI.run(["log", "verify", "--data-dir", data.path])
        #expect(verify.status == 2)
        #expect(verify.stdout.contains("00000000000000000001.seg at byte offset \(offset)"))
    }

    @Test func logStatsAndVerifyOnASoundLog() async throws {
        let (data, all, _) = try await makeLog()
        let stats = try CLI.run(["log", "stats", "--data-dir", data.path])
        #expect(stats.status == 0)
        #expect(stats.stdout.contains("events:             \(all.count)"))
        #expect(stats.stdout.contains("compression ratio:"))
        let verify = try CLI.run(["log", "verify", "--data-dir", data.path])
        #expect(verify.status == 0)
        #expect(verify.stdout.contains("log is sound"))
    }

    @Test func followPrintsEventsAppendedByAnotherProcessAsTheyCommit() async throws {
        let data = TempDataDirectory()
        let log = try EventLog.open(directory: data.logPath)
        try await log.append(NewEvent(type: "test.first", stream: "s", data: Array("{}".utf8)))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.executable)
        process.arguments = ["replay", "--data-dir", data.path, "--follow"]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let collector = CLI.Collector(out.fileHandleForReading)
        // Appended once the follower has printed what was there (it follows from then on).
        #expect(try await collector.wait(seconds: 60) { $0.contains("test.first") })
        for index in 0..<5 {
            try await log.append(NewEvent(type: "test.later", stream: "s", data: Array("{\"i\":\(index)}".utf8)))
        }
        let printed = try await collector.wait(seconds: 60) { $0.split(separator: "\n").count >= 6 }
        #expect(printed, "the follower printed: \(collector.text)")
        process.terminate()
        process.waitUntilExit()
        await log.close()
        let lines = String(decoding: collector.wait(), as: UTF8.self).split(separator: "\n")
        #expect(lines.compactMap { jsonObject(String($0))?["position"] as? Int } == [1, 2, 3, 4, 5, 6])
    }
}
