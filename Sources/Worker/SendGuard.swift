import Foundation

/// The owner of a push's zero-copy gradient frames. libzmq releases each frame's reference once it has
/// sent it (on its I/O thread); when the last goes, this signals the worker, which waits for that before
/// overwriting the gradient buffer for the next lease. It also keeps the memory the frames point into
/// (the gradient buffer, the bfloat16 encodings) alive until then: a worker that registers again drops
/// its buffers while a push may still be on its way.
final class SendGuard: @unchecked Sendable {
    private let semaphore: DispatchSemaphore
    private let storage: [AnyObject]

    init(signalling semaphore: DispatchSemaphore, keeping storage: [AnyObject]) {
        self.semaphore = semaphore
        self.storage = storage
    }

    deinit { semaphore.signal() }
}
