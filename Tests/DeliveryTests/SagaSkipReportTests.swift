import ClickUnlockTesting
import Domain
import EventStore
import Foundation
import Testing

/// What the saga says of events it cannot use: the first ten one by one, then the count once when
/// it has caught up — not a line per batch of the catch-up (a long history held thousands).
@Suite struct SagaSkipReportTests {
    @Test func aCatchUpOverManyUnusableEventsLogsTheCountOnce() async throws {
        let capture = LogCapture()
        let fixture = try SagaFixture(logger: capture.logger())
        // 60 clicks the fold cannot decode, each in its own batch (a batch per group commit).
        for index in 0..<60 {
            _ = try await fixture.log.append([
                NewEvent(type: EventType.buttonClicked.rawValue, stream: "c\(index)", data: Array("{".utf8))
            ])
        }
        try await fixture.running {
            let deadline = ContinuousClock.now + .seconds(30)
            while !capture.lines.contains(where: { $0.contains("recovered from the log up to position 60") }) {
                try #require(ContinuousClock.now < deadline, "the saga caught up: \(capture.lines)")
                try await Task.sleep(for: .milliseconds(10))
            }
        }
        let lines = capture.lines
        #expect(lines.count { $0.contains("skipped the event at position") } == 10)
        let counts = lines.filter { $0.contains("events skipped so far") }
        #expect(counts == ["warning delivery saga: 60 events skipped so far (`clickunlock replay` shows why)"])
    }
}
