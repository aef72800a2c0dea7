import Foundation

/// Turns SIGINT and SIGTERM into a flag the coordinator's loop polls between messages: "checkpoint, tell
/// the workers, exit 0" (docs/conventions.md, "Processes and signals"). A second signal while shutting down is honoured
/// the same way — the shutdown is already under way — so Ctrl-C twice never skips the checkpoint.
final class SignalWatcher: @unchecked Sendable {
    // `received` is only set from the signal sources' serial queue and read by the loop; the lock
    // protects it.
    private let lock = NSLock()
    private var received: Int32?
    private var sources: [DispatchSourceSignal] = []

    init(signals: [Int32] = [SIGINT, SIGTERM]) {
        let queue = DispatchQueue(label: "bfpo.signals")
        for number in signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { [weak self] in
                guard let self else { return }
                self.lock.lock()
                if self.received == nil { self.received = number }
                self.lock.unlock()
            }
            source.resume()
            sources.append(source)
        }
    }

    deinit { sources.forEach { $0.cancel() } }

    /// The first signal received, if any.
    var receivedSignal: Int32? {
        lock.lock()
        defer { lock.unlock() }
        return received
    }
}
