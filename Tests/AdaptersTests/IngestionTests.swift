import Adapters
import Domain
import EventStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MetaWebhook
import NIOCore
import Testing

@Suite struct IngestionTests {
    static let expectedFacts: [String: [String]] = [
        "account_update.json": [],
        "image.json": ["message.received"],
        "interactive_button_reply.json": ["button.clicked"],
        "interactive_list_reply.json": ["button.clicked"],
        "interactive_without_object.json": ["message.received"],
        "status_delivered.json": ["status.updated"],
        "status_failed_131047.json": ["status.updated"],
        "status_read.json": ["status.updated"],
        "status_sent.json": ["status.updated"],
        "template_button_click.json": ["button.clicked"],
        "template_button_click_without_context.json": ["button.clicked"],
        "text.json": ["message.received"],
        "unicode_escaped_text.json": ["message.received"],
        "unsupported.json": ["message.received"],
        "value_errors.json": ["webhook.error"],
    ]

    @Test func theFixtureSignaturesAreTheHMACOfTheRawBytes() throws {
        let signatures = try fixtureSignatures()
        #expect(signatures.count >= 16)
        for (name, signature) in signatures { #expect(sign(try fixture(name)) == signature, "\(name)") }
    }

    @Test func everySignedFixtureIsStoredWithExactlyItsFacts() async throws {
        let dir = TempLog()
        let log = try EventLog.open(directory: dir.log)
        let signatures = try fixtureSignatures()
        try await makeApp(log: log).test(.live) { client in
            for (name, facts) in Self.expectedFacts.sorted(by: { $0.key < $1.key }) {
                let before = log.lastPosition
                let body = try fixture(name)
                let response = try await post(client, body, signature: signatures[name])
                #expect(response.status == .ok, "\(name)")
                var events: [RecordedEvent] = []
                for try await event in log.events(from: before + 1) { events.append(event) }
                #expect(events.first?.type == "webhook.received", "\(name)")
                #expect(events.first?.attachment == body, "\(name)")
                #expect(events.dropFirst().map(\.type) == facts, "\(name)")
            }
            // batch_mixed: every entry and item, its repeated click once.
            let body = try fixture("batch_mixed.json")
            let before = log.lastPosition
            #expect(try await post(client, body, signature: signatures["batch_mixed.json"]).status == .ok)
            var events: [RecordedEvent] = []
            for try await event in log.events(from: before + 1) { events.append(event) }
            let parsed = WebhookParser.parse(body)
            let hit = try #require(WebhookReceived(events[0]))
            #expect(events.count - 1 + hit.duplicates == parsed.items.count)
            #expect(hit.duplicates >= 1)
        }
        await log.close()
    }

    @Test func badRequestsGetTheirStatusAndStoreNothingOrOnlyTheRawHit() async throws {
        let dir = TempLog()
        let log = try EventLog.open(directory: dir.log)
        let click = try fixture("template_button_click.json")
        try await makeApp(log: log, bodyLimit: 64 * 1024).test(.live) { client in
            // Rejected: nothing stored.
            #expect(
                try await post(client, click, signature: sign(click, secret: "another-secret")).status == .unauthorized)
            #expect(try await post(client, click, signature: nil).status == .unauthorized)
            var sha1Only: HTTPFields = [:]
            sha1Only[HTTPField.Name("X-Hub-Signature")!] = "sha1=0123456789abcdef0123456789abcdef01234567"
            #expect(
                try await client.execute(
                    uri: "/webhook", method: .post, headers: sha1Only, body: ByteBuffer(bytes: click)
                ).status == .unauthorized)
            var changed = click
            changed[changed.count / 2] ^= 0x01
            #expect(try await post(client, changed, signature: sign(click)).status == .unauthorized)
            #expect(try await post(client, click, signature: "sha256=xyz").status == .unauthorized)
            #expect(
                try await post(client, click, signature: "sha256=" + String(repeating: "g", count: 64)).status
                    == .unauthorized)
            let oversized = [UInt8](repeating: 0x20, count: 64 * 1024 + 1)
            #expect(try await post(client, oversized, signature: sign(oversized)).status == .contentTooLarge)
            #expect(log.lastPosition == 0)

            // Well signed but not understood: stored raw, acknowledged (Meta must not retry for a week).
            for body in [
                [], Array("not json {".utf8), Array("[1,2,3]".utf8),
                Array((String(repeating: "[", count: 20_000) + String(repeating: "]", count: 20_000)).utf8),
            ] {
                let before = log.lastPosition
                let response = try await post(client, body, signature: sign(body))
                #expect(response.status == .ok, "\(body.count) bytes: \(response.status)")
                var events: [RecordedEvent] = []
                for try await event in log.events(from: before + 1) { events.append(event) }
                #expect(events.count == 1)
                let hit = try #require(events.first)
                #expect(WebhookReceived(hit)?.parse == .unparsed)
                #expect(hit.attachment == body)
            }
        }
        await log.close()
    }

    @Test func aThousandUpdatesInOnePostAreAllStored() async throws {
        let dir = TempLog()
        let log = try EventLog.open(directory: dir.log)
        let statuses = (0..<1000).map {
            "{\"id\":\"wamid.S\($0)\",\"status\":\"delivered\",\"timestamp\":\"1764000000\","
                + "\"recipient_id\":\"5511\($0)\"}"
        }
        let body = Array(
            ("{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"1\","
                + "\"changes\":[{\"field\":\"messages\",\"value\":"
                + "{\"messaging_product\":\"whatsapp\",\"statuses\":[\(statuses.joined(separator: ","))]}}]}]}").utf8)
        try await makeApp(log: log).test(.live) { client in
            let response = try await post(client, body, signature: sign(body))
            #expect(response.status == .ok)
        }
        let events = try await allEvents(log)
        #expect(events.count == 1001)
        #expect(events.dropFirst().allSatisfy { $0.type == "status.updated" })
        await log.close()
    }

    @Test func aDuplicateTapYieldsOneFactAcrossConcurrencyAndRestarts() async throws {
        let dir = TempLog()
        let click = try fixture("template_button_click.json")
        let signature = sign(click)
        let log = try EventLog.open(directory: dir.log)
        try await makeApp(log: log).test(.live) { client in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<40 {
                    group.addTask {
                        let response = try await post(client, click, signature: signature)
                        #expect(response.status == .ok)
                    }
                }
                try await group.waitForAll()
            }
        }
        await log.close()

        // A restart: the index is rebuilt from the log.
        let reopened = try EventLog.open(directory: dir.log)
        let dedupe = DedupeIndex()
        try dedupe.load(from: reopened, now: Int64(Date().timeIntervalSince1970 * 1000))
        #expect(dedupe.count == 1)
        try await makeApp(log: reopened, dedupe: dedupe).test(.live) { client in
            let response = try await post(client, click, signature: signature)
            #expect(response.status == .ok)
        }
        let events = try await allEvents(reopened)
        #expect(events.filter { $0.type == "button.clicked" }.count == 1)
        #expect(events.filter { $0.type == "webhook.received" }.count == 41)
        #expect(events.compactMap(WebhookReceived.init).map(\.duplicates).reduce(0, +) == 40)
        await reopened.close()
    }

    @Test func aFullDiskAnswers503AndRecoversWhenSpaceReturns() async throws {
        let dir = TempLog()
        let faults = IOFaults()
        let log = try EventLog.open(directory: dir.log, configuration: .init { $0.faults = faults })
        let click = try fixture("template_button_click.json")
        try await makeApp(log: log).test(.live) { client in
            faults.failWritesAfterPartial(bytes: 100)
            let refused = try await post(client, click, signature: sign(click))
            #expect(refused.status == .serviceUnavailable)
            #expect(refused.headers[.retryAfter] != nil)
            #expect(log.lastPosition == 0)
            faults.clear()
            // Meta redelivers: now it is stored, with its fact (the failed attempt reserved nothing).
            #expect(try await post(client, click, signature: sign(click)).status == .ok)
        }
        #expect(try await allEvents(log).map(\.type) == ["webhook.received", "button.clicked"])
        await log.close()
        let reopened = try EventLog.open(directory: dir.log)
        #expect(!reopened.recovery.cutSomething)
        await reopened.close()
    }

    @Test func tapsFromContactsOffTheListAreMarked() async throws {
        let dir = TempLog()
        let log = try EventLog.open(directory: dir.log)
        let click = try fixture("template_button_click.json")
        try await makeApp(log: log, authorized: ["15550000000"]).test(.live) { client in
            let response = try await post(client, click, signature: sign(click))
            #expect(response.status == .ok)
        }
        let tap = try #require(try await allEvents(log).compactMap(ButtonClicked.init).first)
        #expect(tap.authorized == false)
        await log.close()
    }

    @Test func theVerificationHandshakeEchoesOnlyForTheRightToken() async throws {
        let dir = TempLog()
        let log = try EventLog.open(directory: dir.log)
        try await makeApp(log: log).test(.live) { client in
            let ok = try await client.execute(
                uri: "/webhook?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444", method: .get)
            #expect(ok.status == .ok)
            #expect(String(buffer: ok.body) == "1158201444")
            for uri in [
                "/webhook?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1",
                "/webhook?hub.mode=unsubscribe&hub.verify_token=verify-me&hub.challenge=1",
                "/webhook?hub.verify_token=verify-me&hub.challenge=1", "/webhook",
            ] {
                let refused = try await client.execute(uri: uri, method: .get)
                #expect(refused.status == .forbidden, "\(uri)")
                #expect(refused.body.readableBytes == 0)
            }
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .notFound)
        }
        try await makeApp(log: log, verifyToken: nil).test(.live) { client in
            let response = try await client.execute(
                uri: "/webhook?hub.mode=subscribe&hub.verify_token=&hub.challenge=1", method: .get)
            #expect(response.status == .forbidden)
        }
        await log.close()
    }
}
