import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A task executor with a thread of its own that the kernel runs only when a core would
/// otherwise idle (Linux `SCHED_IDLE`): work that may lag (projections) goes there, so that under
/// a full CPU the work that may not (acknowledging webhooks) has the cores. On an idle machine it
/// runs as fast as any thread. Elsewhere than Linux it is an ordinary thread.
public final class BackgroundExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []

    /// The thread lives as long as the process.
    public init(name: String) {
        let thread = Thread { [self] in
            #if canImport(Glibc)
            var parameters = sched_param()
            parameters.sched_priority = 0
            _ = sched_setscheduler(0, 5, &parameters)  // 5 = SCHED_IDLE (not exported to Swift)
            #endif
            run()
        }
        thread.name = name
        thread.start()
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
