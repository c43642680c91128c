public import Logging
import Synchronization

/// Log lines about webhooks that were refused or not stored, at a bounded rate: at most
/// `linesPerInterval` lines in each interval; the rest are counted by reason and summed up in one
/// line when the interval ends, e.g. `1990 more rejected (mismatch: 1990) in the last 60 s`.
///
/// So a flood of bad signatures cannot fill the disk with log lines, while every request is still
/// counted exactly (`IngressCounters`). The interval starts at the first line after a quiet spell;
/// its summary is written by a timer at its end, or by the next line when that comes first.
/// Callers pass reasons and sizes only: no line ever holds a body or a secret.
public final class BoundedLog: Sendable {
    public struct Limits: Sendable {
        /// Lines written in full per interval (default 20).
        public var linesPerInterval = 20
        /// Default one minute.
        public var interval: Duration = .seconds(60)

        public init() {}

        public init(linesPerInterval: Int, interval: Duration) {
            self.linesPerInterval = linesPerInterval
            self.interval = interval
        }
    }

    private struct State {
        /// The interval's start, as the clock's time since this log was made.
        var start: Duration?
        var generation = 0
        var lines = 0
        var suppressed: [String: Int] = [:]
        var summaryScheduled = false
    }

    private let logger: Logger
    private let level: Logger.Level
    /// What the summary says of the lines it stands for: "rejected", "not stored".
    private let what: String
    private let limits: Limits
    private let state = Mutex(State())
    /// The clock's time since this log was made, and a sleep until such a time.
    private let elapsed: @Sendable () -> Duration
    private let sleep: @Sendable (_ until: Duration) async throws -> Void

    /// The intervals, and the timer that writes their summary, run on `clock`.
    public init(
        logger: Logger, level: Logger.Level, what: String, limits: Limits = Limits(),
        clock: some Clock<Duration> = ContinuousClock()
    ) {
        self.logger = logger
        self.level = level
        self.what = what
        self.limits = limits
        let origin = clock.now
        elapsed = { origin.duration(to: clock.now) }
        sleep = { try await clock.sleep(until: origin.advanced(by: $0), tolerance: nil) }
    }

    /// Writes the line, or counts it under `reason` for the interval's summary.
    public func log(_ message: @autoclosure () -> Logger.Message, reason: String, metadata: Logger.Metadata) {
        let now = elapsed()
        var scheduleFor: (generation: Int, at: Duration)?
        let (write, previous) = state.withLock { state -> (Bool, [String: Int]) in
            var previous: [String: Int] = [:]
            if state.start.map({ now - $0 >= limits.interval }) ?? true {
                previous = state.suppressed
                state = State(start: now, generation: state.generation + 1)
            }
            if state.lines < limits.linesPerInterval {
                state.lines += 1
                return (true, previous)
            }
            state.suppressed[reason, default: 0] += 1
            if !state.summaryScheduled, let start = state.start {
                state.summaryScheduled = true
                scheduleFor = (state.generation, start + limits.interval)
            }
            return (false, previous)
        }
        writeSummary(previous)
        if write { logger.log(level: level, message(), metadata: metadata) }
        if let scheduleFor {
            // Not owned by a task group: `log` is called synchronously from request handlers. The
            // timer ends at the interval's end (at most `limits.interval`) and only writes a line.
            Task { [self] in
                try? await sleep(scheduleFor.at)
                summarize(generation: scheduleFor.generation)
            }
        }
    }

    /// Writes the summary of interval `generation`, unless a later line already did.
    private func summarize(generation: Int) {
        let counts = state.withLock { state -> [String: Int] in
            guard state.generation == generation else { return [:] }
            defer { state.suppressed = [:] }
            return state.suppressed
        }
        writeSummary(counts)
    }

    private func writeSummary(_ counts: [String: Int]) {
        guard !counts.isEmpty else { return }
        let total = counts.values.reduce(0, +)
        let reasons = counts.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
        let seconds = limits.interval.components.seconds
        logger.log(level: level, "\(total) more \(what) (\(reasons)) in the last \(seconds) s")
    }
}
