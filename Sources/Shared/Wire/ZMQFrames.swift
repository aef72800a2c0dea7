import CZeroMQ

/// A region of memory sent as one frame without copying: libzmq reads it in place and `owner` is kept
/// alive (retained) until libzmq is done with it.
///
/// The memory must stay valid and must not be written from `ZMQSocket.send` until `owner` is released,
/// which happens on a libzmq I/O thread (tcp), the receiving thread (inproc) or the sending thread (send
/// failed); see `ZMQCall.sendZeroCopy`. To reuse a buffer, pass an owner whose `deinit` hands the
/// buffer back (e.g. to a pool), rather than the buffer itself if the sender keeps writing into it.
public struct ZeroCopyRegion {
    public let pointer: UnsafeRawPointer
    public let byteCount: Int
    public let owner: AnyObject

    public init(pointer: UnsafeRawPointer, byteCount: Int, owner: AnyObject) {
        precondition(byteCount >= 0, "a region's byte count must be non-negative")
        self.pointer = pointer
        self.byteCount = byteCount
        self.owner = owner
    }

    /// All of `buffer`'s floats, owned by the buffer.
    public init(floats buffer: FloatBuffer) {
        self.init(pointer: UnsafeRawPointer(buffer.pointer), byteCount: buffer.count * MemoryLayout<Float>.stride, owner: buffer)
    }

    /// `count` floats of `buffer` from element `offset` (a shard of a flat parameter or gradient vector).
    public init(floats buffer: FloatBuffer, offset: Int, count: Int) {
        precondition(offset >= 0 && count >= 0 && offset + count <= buffer.count, "region outside the buffer")
        self.init(pointer: UnsafeRawPointer(buffer.pointer + offset), byteCount: count * MemoryLayout<Float>.stride, owner: buffer)
    }

    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: pointer, count: byteCount) }
}

/// One frame to send: a small byte array libzmq copies, or a region it reads in place.
public enum OutgoingFrame {
    case bytes([UInt8])
    case region(ZeroCopyRegion)

    public var byteCount: Int {
        switch self {
        case .bytes(let bytes): return bytes.count
        case .region(let region): return region.byteCount
        }
    }
}

/// One received frame, read in place: the class owns libzmq's message (closed in `deinit`), so the bytes
/// stay valid as long as the frame is referenced, with no copy beyond what libzmq made.
///
/// Alignment: the bytes start wherever libzmq put them. Large frames get their own heap block (8-byte
/// aligned on 64-bit Linux and macOS), but small frames can sit at any offset of a receive buffer or
/// inside the message itself, so never bind the bytes to `Float`/`Double`/`Int32` without checking the
/// address; `TensorFrame` checks and falls back to an unaligned copy.
///
/// `@unchecked Sendable`: immutable after `init`; the bytes are only read, and `zmq_msg_close` in `deinit`
/// runs once, on whichever thread drops the last reference, which libzmq allows (message contents are
/// reference-counted atomically).
public final class ReceivedFrame: @unchecked Sendable {
    private let message: UnsafeMutablePointer<zmq_msg_t>
    /// Whether more frames of the same ZeroMQ message followed this one.
    let hasMore: Bool

    /// Receives one frame, or returns nil when none is ready (`dontWait`) or the receive timed out.
    init?(socket: ZMQCall.Handle, dontWait: Bool) throws {
        message = .allocate(capacity: 1)
        do {
            guard try ZMQCall.receive(socket, into: message, dontWait: dontWait) else {
                message.deallocate()
                return nil
            }
        } catch {
            message.deallocate()
            throw error
        }
        hasMore = ZMQCall.messageHasMore(message)
    }

    deinit {
        ZMQCall.messageClose(message)
        message.deallocate()
    }

    /// The number of bytes in the frame.
    public var count: Int { ZMQCall.messageBytes(message).count }

    /// Calls `body` with the frame's bytes, in place. The pointer is valid only inside `body`.
    public func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try body(ZMQCall.messageBytes(message))
    }

    /// The public key (Z85) the connection this frame came over authenticated with, as the ZAP handler
    /// named it (`ZAPHandler`); nil over a connection without CURVE.
    public var authenticatedKey: String? {
        ZMQCall.messageProperty(message, "User-Id").flatMap { $0.isEmpty ? nil : $0 }
    }

    /// A copy of the bytes (for small frames such as routing ids and headers in tests).
    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    /// The frame as a zero-copy region owned by this frame, to forward it without copying.
    public var region: ZeroCopyRegion {
        let bytes = ZMQCall.messageBytes(message)
        // A zero-length message may have a nil data pointer; any non-nil address will do for 0 bytes.
        let start = bytes.baseAddress ?? UnsafeRawPointer(message)
        return ZeroCopyRegion(pointer: start, byteCount: bytes.count, owner: self)
    }
}
