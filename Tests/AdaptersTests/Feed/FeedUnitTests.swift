import Foundation
import HTTPTypes
import NIOCore
import Projections
import Testing

@testable import Adapters

/// The feed's parts on their own: the resume window, a client's bounded queue, its filter, the
/// request's parameters and credentials.
@Suite struct FeedUnitTests {
    static func event(_ position: UInt64, type: String = "button.clicked", contact: String? = "919800000001")
        throws -> FeedFrame
    {
        try FeedFrame.event(
            RecentEvent(
                position: position, type: type, version: 1, time: "2026-11-30T00:00:00.000Z", stream: "s",
                data: EventData(json: #"{"n":\#(position)}"#), contact: contact, skipped: nil))
    }

    @Test func theWindowKeepsTheNewestAndFindsWhatFollowsAPosition() throws {
        var window = FeedWindow(capacity: 3)
        #expect(window.oldest == nil)
        for position in 1...10 { window.append(try Self.event(UInt64(position))) }
        #expect(window.count == 3)
        #expect(window.oldest == 8)
        #expect(window.after(7).map(\.position) == [8, 9, 10])
        #expect(window.after(8).map(\.position) == [9, 10])
        #expect(window.after(10).isEmpty)
        #expect(window.after(0).map(\.position) == [8, 9, 10])
        window.removeAll()
        #expect(window.oldest == nil && window.after(0).isEmpty)
    }

    @Test func aClientsQueueIsBoundedInFramesAndInBytes() async throws {
        let byFrames = FeedClient(
            id: 1, filter: FeedFilter(), transport: .websocket, limits: .init(frames: 3, bytes: 1 << 20))
        #expect(byFrames.offer([try Self.event(1), try Self.event(2), try Self.event(3)]))
        #expect(byFrames.ended == nil)
        #expect(!byFrames.offer([try Self.event(4)]))
        #expect(byFrames.ended == .slowConsumer)
        #expect(await byFrames.next() == nil)  // its frames are dropped: it resumes from what it got

        let frame = try Self.event(1)
        let byBytes = FeedClient(
            id: 2, filter: FeedFilter(), transport: .sse, limits: .init(frames: 100, bytes: frame.bytes * 2))
        #expect(byBytes.offer([frame, try Self.event(2)]))
        #expect(!byBytes.offer([try Self.event(3)]))
        #expect(byBytes.ended == .slowConsumer)
    }

    @Test func aReadingClientTakesItsFramesInOrderAndItsQueueEmpties() async throws {
        let client = FeedClient(
            id: 1, filter: FeedFilter(), transport: .websocket, limits: .init(frames: 2, bytes: 1 << 20))
        for position in 1...10 {
            #expect(client.offer([try Self.event(UInt64(position))]))
            #expect(await client.next()?.map(\.position) == [UInt64(position)])
        }
        client.end(.shutdown)
        #expect(await client.next() == nil)
        #expect(client.ended == .shutdown)
    }

    @Test func aWaitingClientIsWokenByFramesByItsEndAndByCancellation() async throws {
        let client = FeedClient(
            id: 1, filter: FeedFilter(), transport: .websocket, limits: .init(frames: 9, bytes: 1 << 20))
        async let woken = client.next()
        try await Task.sleep(for: .milliseconds(20))
        _ = client.offer([try Self.event(7)])
        #expect(await woken?.map(\.position) == [7])

        let waiting = Task { await client.next() }
        try await Task.sleep(for: .milliseconds(20))
        waiting.cancel()
        #expect(await waiting.value == nil)

        let ending = Task { await client.waitForEnd() }
        try await Task.sleep(for: .milliseconds(20))
        client.end(.slowConsumer)
        await ending.value
        #expect(client.ended == .slowConsumer)
    }

    @Test func filtersSelectEventsByTypePrefixAndContactAndLetOtherFramesThrough() throws {
        let filter = FeedFilter(typePrefixes: ["button.", "delivery."], contact: "919800000002")
        #expect(filter.admits(try Self.event(1, type: "button.clicked", contact: "919800000002")))
        #expect(filter.admits(try Self.event(2, type: "delivery.started", contact: "919800000002")))
        #expect(!filter.admits(try Self.event(3, type: "message.status", contact: "919800000002")))
        #expect(!filter.admits(try Self.event(4, type: "button.clicked", contact: "919800000001")))
        #expect(!filter.admits(try Self.event(5, type: "button.clicked", contact: nil)))
        #expect(filter.admits(FeedFrame.hello(position: 9, oldest: 1, heartbeatSeconds: 15, from: nil)))
        #expect(filter.admits(try FeedFrame.heartbeat(position: 9, now: 0)))
    }

    @Test func theRequestReadsResumeFiltersAndRejectsWhatItDoesNotTake() throws {
        let request = try FeedRequest(query: "from=12&types=button.,delivery.&contact=919800000001&token=x")
        #expect(request.from == 12)
        #expect(request.filter == FeedFilter(typePrefixes: ["button.", "delivery."], contact: "919800000001"))
        #expect(try FeedRequest(query: "from=3", lastEventID: "40").from == 40)
        #expect(try FeedRequest(query: nil).from == nil)
        for (query, parameter) in [
            ("from=-1", "from"), ("from=abc", "from"), ("from=99999999999999999999", "from"),
            ("types=BUTTON", "types"), ("contact=x%00y", "contact"), ("limit=3", "limit"),
            ("types=" + (0...20).map { "t\($0)." }.joined(separator: ","), "types"),
        ] {
            #expect(throws: DashboardError.self) { try FeedRequest(query: query) }
            do {
                _ = try FeedRequest(query: query)
            } catch {
                #expect(error.parameter == parameter, "\(query)")
            }
        }
    }

    @Test func theTokenComesFromTheHeaderTheSubprotocolOrTheQuery() {
        func head(_ path: String, _ fields: HTTPFields = [:]) -> HTTPRequest {
            HTTPRequest(method: .get, scheme: nil, authority: "x", path: path, headerFields: fields)
        }
        #expect(FeedRequest.credential(head("/", [.authorization: "Bearer a"])) == "Bearer a")
        let offered = head("/", [.secWebSocketProtocol: "chat, bearer.b-token"])
        #expect(FeedRequest.credential(offered) == "Bearer b-token")
        #expect(FeedRequest.acceptedSubprotocol(offered) == "bearer.b-token")
        #expect(FeedRequest.credential(head("/?from=1&token=c%2Btoken")) == "Bearer c+token")
        #expect(FeedRequest.credential(head("/?from=1")) == nil)
        #expect(FeedRequest.acceptedSubprotocol(head("/", [.secWebSocketProtocol: "chat"])) == nil)
    }

    @Test func eventStreamFramesCarryTheirPositionAsID() throws {
        let event = String(buffer: EventStream.encode(try Self.event(42)))
        #expect(event.hasPrefix("id: 42\nevent: event\ndata: {\"type\":\"event\",\"position\":42,"))
        #expect(event.hasSuffix("}\n\n"))
        let hello = String(
            buffer: EventStream.encode(FeedFrame.hello(position: 1, oldest: 1, heartbeatSeconds: 15, from: nil)))
        #expect(
            hello
                == "event: hello\ndata: {\"type\":\"hello\",\"position\":1,\"oldest\":1,"
                + "\"heartbeat_seconds\":15,\"from\":null}\n\n"
        )
    }
}
