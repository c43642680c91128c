import EventStore
import Projections
import ServiceLifecycleTestKit
import Testing

/// The projector is a swift-service-lifecycle `Service`: graceful shutdown ends its `run()`.
@Suite struct ProjectorServiceTests {
    @Test func gracefulShutdownEndsItsRun() async throws {
        let data = TempData()
        let log = try EventLog.open(directory: data.log, configuration: .init { $0.durability = .unsafeNone })
        let projector = try Projector(
            log: log, database: try ProjectionDatabase.openPool(path: data.file("projections.sqlite")), engine: engine)
        try await testGracefulShutdown { trigger in
            let run = Task { try await projector.run() }
            try await log.append(NewEvent(type: "test.one", stream: "s", data: Array("{}".utf8)))
            // Running: it applied the event and waits for the next.
            #expect(await waitUntil { projector.status().lag == 0 })
            trigger.triggerGracefulShutdown()
            try await run.value  // it returns, without an error and without being cancelled
            #expect(!run.isCancelled)
        }
        await log.close()
    }
}
