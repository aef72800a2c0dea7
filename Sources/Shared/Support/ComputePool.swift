import Foundation

/// A fixed set of threads that runs the model's parallel loops: the calling thread plus `threads − 1`
/// helpers, started once and parked between jobs, so a training step allocates and spawns nothing.
///
/// A job is `count` independent tasks; tasks are claimed in index order by whichever thread is free, and
/// `run` returns when all have finished. Each task also learns its thread's slot (0 for the caller,
/// 1 ..< threads for the helpers), so that it can use per-thread scratch memory. Callers make every
/// task's writes disjoint from the others' and every task's arithmetic independent of which thread runs
/// it, which is what makes the model's results independent of the thread count (docs/compute.md).
///
/// Not reentrant: a task must not start another job on the same pool. One pool serves one caller at a
/// time, like the `Activations` workspace that owns it.
public final class ComputePool: @unchecked Sendable {
    /// Threads that work on a job, the caller included.
    public let threads: Int
    private let crew: Crew

    /// Also turns OpenBLAS's own threading off, process-wide: the pool's threads call `sgemm` side by side
    /// and each product must run whole on the thread that called it.
    public init(threads: Int) {
        precondition(threads >= 1, "a compute pool needs at least one thread")
        self.threads = threads
        BLAS.threads = 1
        crew = Crew(helpers: threads - 1)
    }

    deinit { crew.dismiss() }

    /// Runs `task(0, slot) … task(count − 1, slot)` on the pool's threads and returns when all have finished.
    public func run(_ count: Int, _ task: (_ index: Int, _ slot: Int) -> Void) {
        guard count > 0 else { return }
        let woken = min(threads, count) - 1
        guard woken > 0 else {
            for index in 0..<count { task(index, 0) }
            return
        }
        withoutActuallyEscaping(task) { crew.run(count, helpers: woken, $0) }
    }

    /// Splits `0 ..< count` into at most `threads` contiguous ranges whose bounds (except the last) are
    /// multiples of `alignment`, and runs `body` on each range in parallel.
    public func forEachRange(_ count: Int, alignment: Int = 1, _ body: (Range<Int>) -> Void) {
        let parts = ComputePool.partCount(count, parts: threads, alignment: alignment)
        run(parts) { part, _ in body(ComputePool.range(part, of: parts, count: count, alignment: alignment)) }
    }

    /// How many ranges `forEachRange` makes: one per thread, but never a range shorter than `alignment`.
    static func partCount(_ count: Int, parts: Int, alignment: Int) -> Int {
        guard count > 0 else { return 0 }
        return max(1, min(parts, (count + alignment - 1) / alignment))
    }

    /// Range `part` of `0 ..< count` cut into `parts` nearly equal pieces at multiples of `alignment`.
    static func range(_ part: Int, of parts: Int, count: Int, alignment: Int) -> Range<Int> {
        let units = (count + alignment - 1) / alignment
        func bound(_ p: Int) -> Int { p == parts ? count : min(count, units * p / parts * alignment) }
        return bound(part)..<bound(part + 1)
    }

    /// The helper threads and the job they share. Helpers hold the crew, not the pool, so the pool can go
    /// away (and dismiss them) at any time between jobs.
    private final class Crew: @unchecked Sendable {
        /// Signalled once per helper to start a job, or to exit once `dismissed` is set.
        private let start = DispatchSemaphore(value: 0)
        /// Signalled by each helper that found no task left in the current job, or that exited.
        private let finished = DispatchSemaphore(value: 0)
        /// Protects `nextTask`, `taskCount`, `job` and `dismissed`, which helpers read while a job runs.
        private let lock = NSLock()
        private var nextTask = 0
        private var taskCount = 0
        private var job: ((Int, Int) -> Void)?
        private var dismissed = false
        private let helpers: Int

        init(helpers: Int) {
            self.helpers = helpers
            for index in 0..<helpers {
                let slot = index + 1
                let thread = Thread { self.serve(slot: slot) }
                thread.name = "compute-\(slot)"
                thread.start()
            }
        }

        /// Runs the job with `woken` helpers beside the calling thread; `task` lives until it returns.
        func run(_ count: Int, helpers woken: Int, _ task: @escaping (Int, Int) -> Void) {
            lock.lock()
            job = task
            nextTask = 0
            taskCount = count
            lock.unlock()
            for _ in 0..<woken { start.signal() }
            work(slot: 0)
            for _ in 0..<woken { finished.wait() }
            lock.lock()
            job = nil
            lock.unlock()
        }

        /// Tells every helper to exit and waits until they have.
        func dismiss() {
            lock.lock()
            dismissed = true
            lock.unlock()
            for _ in 0..<helpers { start.signal() }
            for _ in 0..<helpers { finished.wait() }
        }

        private func serve(slot: Int) {
            while true {
                start.wait()
                lock.lock()
                let exit = dismissed
                lock.unlock()
                if !exit { work(slot: slot) }
                finished.signal()
                if exit { return }
            }
        }

        /// Claims and runs tasks of the current job until none is left.
        private func work(slot: Int) {
            while true {
                lock.lock()
                let index = nextTask
                let task = index < taskCount ? job : nil
                nextTask += 1
                lock.unlock()
                guard let task else { return }
                task(index, slot)
            }
        }
    }
}
