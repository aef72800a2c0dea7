/// A libzmq context: the I/O threads every socket of a process shares, and the namespace of `inproc://`
/// endpoints (a worker's compute-thread ↔ I/O-thread PAIR link needs both ends in one context).
///
/// Owns its handle privately and terminates it in `deinit`. Every `ZMQSocket` holds a strong reference
/// to its context, so the context cannot be terminated while one of its sockets is still open
/// (`zmq_ctx_term` would block forever).
///
/// `@unchecked Sendable`: libzmq contexts are thread-safe, and the handle is immutable after `init`.
public final class ZMQContext: @unchecked Sendable {
    private let handle: ZMQCall.Handle

    /// - Parameter ioThreads: libzmq I/O threads (`ZMQ_IO_THREADS`, default 1); one moves about a
    ///   gigabyte per second, so a coordinator serving many workers may want more.
    public init(ioThreads: Int = 1) throws {
        handle = try ZMQCall.contextNew()
        if ioThreads != 1 {
            do {
                try ZMQCall.contextSet(handle, ZMQOptionCode.ioThreads, Int32(clamping: ioThreads))
            } catch {
                ZMQCall.contextTerm(handle)
                throw error
            }
        }
    }

    deinit { ZMQCall.contextTerm(handle) }

    /// Runs `body` with the raw handle; only `ZMQSocket` needs it.
    func withUnsafeHandle<Result>(_ body: (ZMQCall.Handle) throws -> Result) rethrows -> Result {
        try body(handle)
    }

    /// The version of the libzmq this process runs with, "major.minor.patch".
    public static var libraryVersion: String { ZMQCall.version() }
}
