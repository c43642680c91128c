public import EventStore
import Foundation
public import Logging
public import ServiceLifecycle
import Synchronization

/// Compacts the log's sealed segments in the background while `serve` runs (see
/// `LogCompaction`): on a thread of its own, sleeping between the batches it writes so that it
/// takes at most `cpuPercent` of one core, and looking again for newly sealed segments every
/// `interval`. Stops at the batch it is writing on shutdown (that segment is left as it was).
public struct LogCompactionService: Service {
    public struct Configuration: Sendable {
        /// Whether `serve` runs it at all.
        public var enabled = true
        /// Percent of one core it may use (it sleeps the rest), 1 ... 100.
        public var cpuPercent = 25
        /// How often it looks for newly sealed segments.
        public var interval: Duration = .seconds(30)
        public var options = CompactionOptions()

        public init() {}
    }

    let log: EventLog
    let configuration: Configuration
    let logger: Logger

    public init(log: EventLog, configuration: Configuration, logger: Logger) {
        self.log = log
        self.configuration = configuration
        self.logger = logger
    }

    public func run() async throws {
        let throttle = CompactionThrottle(share: Double(min(100, max(1, configuration.cpuPercent))) / 100)
        var leave: Set<String> = []
        await withGracefulShutdownHandler {
            while !throttle.isStopped, !Task.isCancelled {
                guard let (report, cpuSeconds) = await compactOnce(throttle: throttle, skipping: leave) else {
                    // Failed (logged): the log goes on as it is; try again at the next start.
                    try? await gracefulShutdown()
                    return
                }
                for skip in report.skipped where skip.reason != CompactionReport.Skip.alreadyCompacted {
                    leave.insert(skip.name)
                }
                for segment in report.compacted {
                    logger.info(
                        "log compaction rewrote \(segment.name)",
                        metadata: [
                            "bytes_before": "\(segment.bytesBefore)", "bytes_after": "\(segment.bytesAfter)",
                            "batches_before": "\(segment.batchesBefore)", "batches_after": "\(segment.batchesAfter)",
                        ])
                }
                if !report.compacted.isEmpty {
                    let saved = report.bytesBefore - report.bytesAfter
                    logger.info(
                        "log compaction pass: \(report.compacted.count) segment(s) rewritten",
                        metadata: ["bytes_saved": "\(saved)", "cpu_seconds": "\(String(format: "%.3f", cpuSeconds))"])
                }
                let interval = configuration.interval
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            }
        } onGracefulShutdown: {
            throttle.stop()
        }
    }

    /// One pass over the sealed segments, on a thread of its own, with the CPU time it took; `nil`
    /// when it failed (logged: compaction only saves space, the log goes on as it is).
    private func compactOnce(
        throttle: CompactionThrottle, skipping: Set<String>
    ) async -> (CompactionReport, cpuSeconds: Double)? {
        let log = self.log
        let options = configuration.options
        let result: Result<(CompactionReport, Double), EventLogError> = await withCheckedContinuation {
            continuation in
            let thread = Thread {
                throttle.restart()
                let cpuBefore = Self.threadCPUSeconds()
                do throws(EventLogError) {
                    let report = try log.compactSealedSegments(options: options, skipping: skipping) {
                        throttle.pace(bytesRead: $0)
                    }
                    continuation.resume(returning: .success((report, Self.threadCPUSeconds() - cpuBefore)))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
            thread.name = "log-compaction"
            thread.start()
        }
        switch result {
        case .success(let outcome):
            return outcome
        case .failure(let error):
            logger.error(
                "log compaction stopped: \(error.message); the log is unchanged where it stopped and is read as before")
            return nil
        }
    }
}

extension LogCompactionService {
    /// CPU time the calling thread has used, in seconds (its sleeps not counted).
    static func threadCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}

/// Keeps compaction to a share of one core: after each batch it writes, it sleeps long enough
/// that the time it worked is that share of the time gone by. Thread-safe.
final class CompactionThrottle: Sendable {
    private let share: Double
    private let stopped = Atomic<Bool>(false)
    private let resumedAt = Mutex<ContinuousClock.Instant>(.now)
    /// Longest single sleep, so that a stop is noticed soon.
    private static let longestPause: Duration = .milliseconds(500)

    init(share: Double) { self.share = share }

    var isStopped: Bool { stopped.load(ordering: .acquiring) }

    func stop() { stopped.store(true, ordering: .releasing) }

    func restart() { resumedAt.withLock { $0 = .now } }

    /// Sleeps its share after a piece of work; `false` once stopped.
    func pace(bytesRead: Int) -> Bool {
        let worked = resumedAt.withLock { ContinuousClock.now - $0 }
        var pause = worked * ((1 - share) / share)
        while pause > .zero, !isStopped {
            let step = min(pause, Self.longestPause)
            Thread.sleep(forTimeInterval: Double(step.components.seconds) + Double(step.components.attoseconds) / 1e18)
            pause -= step
        }
        restart()
        return !isStopped
    }
}
