import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A task executor with a thread of its own that the kernel runs only when a core would
/// otherwise idle (Linux `SCHED_IDLE`): work that may lag (projections) goes there, so that under
/// a full CPU the work that may not (acknowledging webhooks) has the cores. On an idle machine it
/// runs as fast as any thread. `runsIdle` lifts it to a normal thread and back (a projector too
/// far behind must not starve). Elsewhere than Linux it is an ordinary thread.
public final class BackgroundExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var idle = true

    /// The thread lives as long as the process; `runsIdle` is its initial scheduling.
    public init(name: String, runsIdle: Bool = true) {
        idle = runsIdle
        let thread = Thread { [self] in
            Thread.current.name = name  // on the thread itself, so that top -H and perf show it
            run()
        }
        thread.start()
    }

    /// Whether the thread only takes otherwise idle CPU (initially `true`). The thread applies a
    /// change itself, before the next jobs it runs.
    public var runsIdle: Bool {
        get { condition.withLock { idle } }
        set { condition.withLock { idle = newValue } }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func run() {
        var applied: Bool?
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let ready = jobs
            jobs.removeAll(keepingCapacity: true)
            let wanted = idle
            condition.unlock()
            if applied != wanted {
                Self.scheduleCurrentThread(idle: wanted)
                applied = wanted
            }
            for job in ready { job.runSynchronously(on: asUnownedTaskExecutor()) }
        }
    }

    private static func scheduleCurrentThread(idle: Bool) {
        #if canImport(Glibc)
        var parameters = sched_param()
        parameters.sched_priority = 0
        _ = sched_setscheduler(0, idle ? 5 : 0, &parameters)  // 5 = SCHED_IDLE (not exported to Swift), 0 = SCHED_OTHER
        #endif
    }
}
