import Delivery
import Domain
import EventStore
import Foundation

/// The saga's fold and click decisions, without I/O: (1) a backlog of `count` clicks folded,
/// decided at once and the decisions folded back (a restart after downtime); (2) `live` clicks
/// decided one at a time beside `count` deliveries already remembered (steady traffic on a
/// long-running service). Uses only API that older builds have too, so the same file measures a
/// baseline build.
enum BacklogBench {
    static let manifest = ContentManifest(
        packs: [ContentPack(name: "daily-{date}", payload: "unlock:{date}", items: [.text("hi")])])
    static let now: Int64 = 1_795_000_000_000

    static func event(_ new: NewEvent, _ position: Int) -> RecordedEvent {
        RecordedEvent(
            position: UInt64(position), timestamp: now, type: new.type, version: 1, stream: new.stream, data: new.data,
            attachment: [])
    }

    static func click(_ index: Int, prefix: String) -> NewEvent {
        ButtonClicked(
            wamid: "\(prefix)\(index)", sender: Sender(waId: "1555\(index)"), kind: .templateQuickReply,
            payload: "unlock:2026-11-24", text: nil, contextId: "tpl-\(prefix)\(index)", timestamp: now / 1000
        ).newEvent()
    }

    /// Seconds to fold and decide a backlog of `count` clicks.
    static func backlog(_ count: Int) -> Double {
        var state = SagaState()
        let decider = ClickDecider(manifest: manifest, settings: SagaSettings(phoneNumberId: "1"))
        let clock = ContinuousClock()
        let start = clock.now
        var position = 0
        for index in 0..<count {
            position += 1
            state.apply(event(click(index, prefix: "b"), position))
        }
        decideAll(&state, decider, &position)
        precondition(state.undecided.isEmpty)
        return seconds(clock.now - start)
    }

    /// Microseconds per click decided one at a time, with `remembered` earlier deliveries.
    static func live(remembered: Int, clicks: Int) -> Double {
        var state = SagaState()
        let decider = ClickDecider(manifest: manifest, settings: SagaSettings(phoneNumberId: "1"))
        var position = 0
        for index in 0..<remembered {
            position += 1
            state.apply(event(click(index, prefix: "r"), position))
        }
        decideAll(&state, decider, &position)
        let clock = ContinuousClock()
        let start = clock.now
        for index in 0..<clicks {
            position += 1
            state.apply(event(click(index, prefix: "l"), position))
            decideAll(&state, decider, &position)
        }
        return seconds(clock.now - start) / Double(clicks) * 1e6
    }

    /// Decides every undecided click and folds the decisions back, as the saga does.
    static func decideAll(_ state: inout SagaState, _ decider: ClickDecider, _ position: inout Int) {
        for decision in decider.decide(state.undecided, state: state, now: now) {
            position += 1
            state.apply(event(decision, position))
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func run() {
        print("## Saga backlog and live decisions (no I/O)")
        print("")
        print("| backlog | fold + decide | clicks/s |")
        print("|---:|---:|---:|")
        for count in [10_000, 20_000, 40_000] {
            let time = backlog(count)
            print("| \(count) | \(String(format: "%.3f", time)) s | \(Int(Double(count) / time)) |")
        }
        print("")
        print("| remembered deliveries | µs per live click |")
        print("|---:|---:|")
        for remembered in [1_000, 100_000] {
            print("| \(remembered) | \(String(format: "%.1f", live(remembered: remembered, clicks: 2_000))) |")
        }
        print("")
    }
}
