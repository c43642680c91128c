// StartupBench: `clickunlock serve` start-up time against log size, with and without snapshots,
// in the same run. Run in release mode (see BENCHMARKS.md):
//   StartupBench generate DIR EVENTS           a data directory with EVENTS events and snapshots
//   StartupBench measure BINARY DIR [REPEATS [on]]  start-up times, snapshots off then on (medians)
//   StartupBench decode DIR [REPEATS]          the newest snapshots' read and decode times (medians)
//   StartupBench snapshot DIR BEHIND           snapshots BEHIND events before the end, as serve writes them
import BenchSupport
import EventStore
import Foundation

let arguments = CommandLine.arguments
func usage() -> Never {
    print(
        "usage: StartupBench generate DIR EVENTS | snapshot DIR BEHIND | measure BINARY DIR [REPEATS [on]] "
            + "| decode DIR [REPEATS]")
    exit(64)
}
guard arguments.count >= 3 else { usage() }
do {
    switch arguments[1] {
    case "generate":
        guard arguments.count == 4, let events = Int(arguments[3]) else { usage() }
        try Generate.run(directory: arguments[2], events: events, behind: 50_000)
    case "measure":
        guard arguments.count >= 4 else { usage() }
        let directory = arguments[3]
        let repeats = arguments.count > 4 ? Int(arguments[4]) ?? 3 : 3
        let snapshots = directory + "/snapshots"
        let hidden = directory + "/snapshots.off"
        func times(_ label: String) throws -> [Measure.Times] {
            let runs = try (0..<repeats).map { _ in try Measure.run(binary: arguments[2], directory: directory) }
            let webhook = median(runs.map(\.webhook))
            let saga = median(runs.map(\.saga))
            let readyz = median(runs.map(\.readyz))
            let ready = median(runs.map(\.ready))
            print(
                "| \(label) | \(webhook, digits: 3) | \(saga, digits: 3) | \(readyz, digits: 3) | "
                    + "\(ready, digits: 3) | "
                    + runs.map { "\($0.ready, digits: 2)" }.joined(separator: ", ") + " |")
            return runs
        }
        print("# StartupBench — \(Date.now.formatted(.iso8601)) — \(directory), repeats \(repeats) (medians, s)")
        print("| snapshots | webhook port ready | saga fold done | /readyz 200 | ready | runs |")
        print("|---|---:|---:|---:|---:|---|")
        try Measure.prepare(binary: arguments[2], directory: directory)
        // A fifth argument `on` measures with snapshots only (a full fold of 10M events is minutes).
        if arguments.count <= 5 || arguments[5] != "on" {
            try FileManager.default.moveItem(atPath: snapshots, toPath: hidden)
            defer { try? FileManager.default.moveItem(atPath: hidden, toPath: snapshots) }
            _ = try times("off (full fold)")
        }
        _ = try times("on")
    case "snapshot":
        // Snapshots again, BEHIND events before the log's end (newer than generate's: start-up uses them).
        guard arguments.count == 4, let behind = UInt64(arguments[3]) else { usage() }
        let last = try LogReader.open(directory: arguments[2] + "/log").lastPosition
        try Generate.writeSnapshots(
            directory: arguments[2], at: last - min(behind, last), now: Int64(Date().timeIntervalSince1970 * 1000))
    case "decode":
        Decode.run(directory: arguments[2], repeats: arguments.count > 3 ? Int(arguments[3]) ?? 3 : 3)
    default:
        usage()
    }
} catch {
    print("StartupBench: \(error)")
    exit(1)
}
