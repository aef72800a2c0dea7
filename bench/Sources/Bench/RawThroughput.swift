import Foundation
import Shared

/// Loopback throughput of raw libzmq sockets: the baseline `bfpo-bench transfer` sets the parameter
/// server's figures against.
enum RawThroughput {
    struct Result: Sendable, CustomStringConvertible {
        /// Payload bytes per message (frames × bytes per frame).
        let bytesPerMessage: Int
        let messages: Int
        /// From the first send to the last frame received.
        let seconds: Double

        /// Payload gigabytes (10⁹ bytes) per second.
        var gigabytesPerSecond: Double { Double(bytesPerMessage) * Double(messages) / seconds / 1e9 }

        var description: String {
            String(format: "%d messages × %d bytes in %.3f s: %.2f GB/s", messages, bytesPerMessage, seconds, gigabytesPerSecond)
        }
    }

    /// Sends `messages` messages of `frames` frames of `bytesPerFrame` bytes each from a DEALER to a
    /// ROUTER over tcp on 127.0.0.1 (an ephemeral port), as a worker pushes gradients to the coordinator,
    /// and times them from the first send until the receiver holds the last frame.
    ///
    /// - Parameters:
    ///   - zeroCopy: send the same buffer in place (`ZeroCopyRegion`, as gradients go) rather than
    ///     handing libzmq a copy of it each time.
    ///   - ioThreads: libzmq I/O threads of the one context both sockets share.
    /// - Throws: `ZMQError` or `WireError` from the sockets.
    static func measure(
        bytesPerFrame: Int, frames: Int = 1, messages: Int, zeroCopy: Bool = true, ioThreads: Int = 1
    ) throws -> Result {
        precondition(bytesPerFrame > 0 && frames > 0 && messages > 0, "sizes and counts must be positive")
        let context = try ZMQContext(ioThreads: ioThreads)
        // Small queues: with copies, a thousand queued 16 MiB messages would be 16 GiB.
        let receiver = try ZMQSocket(context: context, type: .router)
        try receiver.set(.maxMessageSize(-1))
        try receiver.set(.receiveHighWaterMark(8))
        try receiver.bind("tcp://127.0.0.1:*")
        let sender = try ZMQSocket(context: context, type: .dealer)
        try sender.set(.immediate(true))
        try sender.set(.sendHighWaterMark(8))
        try sender.connect(try receiver.lastEndpoint())

        // One message to set up the connection, outside the timing.
        try sender.send(frames: [.bytes([1])])
        guard try receiver.receive(timeout: .seconds(10)) != nil else {
            throw WireError.sendTimedOut(milliseconds: 10_000)
        }

        let block = PayloadBlock(byteCount: bytesPerFrame)
        let copyFrame = Array(block.bytes)
        let message: [OutgoingFrame] = (0..<frames).map { _ in
            zeroCopy ? .region(ZeroCopyRegion(pointer: UnsafeRawPointer(block.pointer), byteCount: bytesPerFrame, owner: block))
                     : .bytes(copyFrame)
        }

        let failure = SenderFailure()
        let done = DispatchSemaphore(value: 0)
        let start = ContinuousClock.now
        // The sender socket moves to this thread; the thread start is the memory barrier libzmq asks for.
        let thread = Thread {
            do {
                for _ in 0..<messages { try sender.send(frames: message) }
            } catch {
                failure.set(error)
            }
            done.signal()
        }
        thread.start()
        var received = 0
        while received < messages {
            guard let parts = try receiver.receive(timeout: .seconds(30)) else { break }
            precondition(parts.count == frames + 1, "throughput message lost frames")
            received += 1
        }
        let elapsed = start.duration(to: .now)
        done.wait()
        if let error = failure.error { throw error }
        guard received == messages else { throw WireError.sendTimedOut(milliseconds: 30_000) }
        sender.close()
        receiver.close()
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return Result(bytesPerMessage: bytesPerFrame * frames, messages: messages, seconds: seconds)
    }
}

/// The bytes every throughput message sends: a deterministic pattern in one allocation.
private final class PayloadBlock {
    let pointer: UnsafeMutablePointer<UInt8>
    let byteCount: Int

    init(byteCount: Int) {
        self.byteCount = byteCount
        pointer = .allocate(capacity: byteCount)
        for i in 0..<byteCount { pointer[i] = UInt8(truncatingIfNeeded: i &* 31) }
    }

    deinit { pointer.deallocate() }

    var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: pointer, count: byteCount) }
}

/// The sender thread's error, read after it finished. `@unchecked Sendable`: guarded by `lock`.
private final class SenderFailure: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Error?
    func set(_ error: Error) { lock.withLock { stored = error } }
    var error: Error? { lock.withLock { stored } }
}
