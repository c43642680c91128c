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
    private var thread: pthread_t?
    private var idle = true

    /// The thread lives as long as the process.
    public init(name: String) {
        let started = NSCondition()
        let thread = Thread { [self] in
            Thread.current.name = name  // on the thread itself, so that top -H and perf show it
            started.lock()
            self.thread = pthread_self()
            started.signal()
            started.unlock()
            run()
        }
        thread.name = name
        started.lock()
        thread.start()
        while self.thread == nil { started.wait() }
        started.unlock()
        setPolicy(idle: true)
    }

    /// Whether the thread only takes otherwise idle CPU (initially `true`).
    public var runsIdle: Bool {
        get { condition.withLock { idle } }
        set {
            let changed = condition.withLock {
                defer { idle = newValue }
                return idle != newValue
            }
            if changed { setPolicy(idle: newValue) }
        }
    }

    private func setPolicy(idle: Bool) {
        #if canImport(Glibc)
        guard let thread else { return }
        var parameters = sched_param()
        parameters.sched_priority = 0
        // 5 = SCHED_IDLE (not exported to Swift), 0 = SCHED_OTHER.
        _ = pthread_setschedparam(thread, idle ? 5 : 0, &parameters)
        #endif
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let ready = jobs
            jobs.removeAll(keepingCapacity: true)
            condition.unlock()
            for job in ready { job.runSynchronously(on: asUnownedTaskExecutor()) }
        }
    }
}
