/// Everything that can be wrong with a message from the network, or with sending one. Descriptions read
/// as sentences naming the message, field or frame and what was expected, so they can go back to the
/// peer verbatim in a `Refused` or `PushReply`.
public enum WireError: Error, Equatable, CustomStringConvertible {
    /// The header frame is larger than `Wire.Limits.maxHeaderBytes`.
    case headerTooLarge(bytes: Int, limit: Int)
    /// protobuf could not parse the header frame.
    case malformedHeader(bytes: Int)
    /// The envelope carries no body (or one this version does not know).
    case missingBody
    /// The peer speaks another protocol version.
    case protocolVersionMismatch(received: UInt32, expected: UInt32)
    /// The message belongs to another run.
    case runIDMismatch(received: String, expected: String)
    /// A message field required here is absent.
    case missingField(message: String, field: String)
    /// An enum field holds a value this version does not define (or the unspecified zero).
    case unknownEnumValue(message: String, field: String, value: Int64)
    /// A repeated field or string is longer than its limit.
    case tooLong(message: String, field: String, count: Int, limit: Int)
    /// A string field is not valid UTF-8.
    case invalidUTF8(message: String, field: String)
    /// A field's value breaks an invariant of its message.
    case invalidField(message: String, field: String, reason: String)
    /// A ZeroMQ message had no header frame.
    case noHeaderFrame
    /// A ZeroMQ message had more frames than `Wire.Limits.maxFramesPerMessage`.
    case tooManyFrames(count: Int, limit: Int)
    /// A message has the wrong number of payload frames.
    case frameCount(message: String, expected: Int, actual: Int)
    /// A payload frame's byte count is not what its header implies.
    case frameSize(frame: String, expectedBytes: Int, actualBytes: Int)
    /// A float frame holds NaN or ±Inf.
    case nonFinite(frame: String, index: Int, value: Double)
    /// A float frame holds a finite value at or beyond `Wire.Limits.tensorMagnitudeLimit`.
    case tooLarge(frame: String, index: Int, value: Double)
    /// An exact delta (`XorDeltaFrame`) applied to the copy held does not give the version it names: the
    /// copy was not the version before.
    case deltaBaseMismatch(frame: String)
    /// An integer frame holds a value outside what its meaning allows.
    case valueOutOfRange(frame: String, index: Int, value: Int64, allowed: String)
    /// The coordinator cannot route to this peer any more (it disconnected), or the send would block.
    case peerUnreachable(peer: String)
    /// A send did not complete within the transport's send timeout (no coordinator connected, or its
    /// queue is full).
    case sendTimedOut(milliseconds: Int)
    /// The transport was closed.
    case closed
    /// A coordinator was asked to bind somewhere it must not (every interface, or no transport).
    case unsafeEndpoint(endpoint: String, reason: String)

    public var description: String {
        switch self {
        case .headerTooLarge(let bytes, let limit):
            return "the header frame has \(bytes) bytes, more than the limit of \(limit)"
        case .malformedHeader(let bytes):
            return "the header frame (\(bytes) bytes) is not a valid protobuf Envelope"
        case .missingBody:
            return "the envelope carries no message body this protocol version knows"
        case .protocolVersionMismatch(let received, let expected):
            return "protocol version \(received) is not supported: this peer speaks version \(expected)"
        case .runIDMismatch(let received, let expected):
            return "run id \"\(received)\" does not match this run (\"\(expected)\")"
        case .missingField(let message, let field):
            return "\(message).\(field) is missing"
        case .unknownEnumValue(let message, let field, let value):
            return "\(message).\(field) has the value \(value), which is not a valid choice"
        case .tooLong(let message, let field, let count, let limit):
            return "\(message).\(field) has \(count) entries or bytes, more than the limit of \(limit)"
        case .invalidUTF8(let message, let field):
            return "\(message).\(field) is not valid UTF-8"
        case .invalidField(let message, let field, let reason):
            return "\(message).\(field) is invalid: \(reason)"
        case .noHeaderFrame:
            return "the message has no header frame"
        case .tooManyFrames(let count, let limit):
            return "the message has \(count) frames, more than the limit of \(limit)"
        case .frameCount(let message, let expected, let actual):
            return "a \(message) carries \(expected) payload frames, but this one has \(actual)"
        case .frameSize(let frame, let expectedBytes, let actualBytes):
            return "the \(frame) frame has \(actualBytes) bytes, expected \(expectedBytes)"
        case .nonFinite(let frame, let index, let value):
            return "the \(frame) frame holds a non-finite value (\(value)) at index \(index)"
        case .deltaBaseMismatch(let frame):
            return "the \(frame) frame does not lead from the copy held to the version it names (its digest differs)"
        case .tooLarge(let frame, let index, let value):
            return "the \(frame) frame holds \(value) at index \(index), at or beyond ±2^101, where sums of a step's values could overflow"
        case .valueOutOfRange(let frame, let index, let value, let allowed):
            return "the \(frame) frame holds \(value) at index \(index); allowed: \(allowed)"
        case .peerUnreachable(let peer):
            return "peer \(peer) is not connected (or its queue is full); the message was not sent"
        case .sendTimedOut(let milliseconds):
            return "the message could not be sent within \(milliseconds) ms: no peer is connected or its queue is full"
        case .closed:
            return "the transport is closed"
        case .unsafeEndpoint(let endpoint, let reason):
            return "refusing to bind \(endpoint): \(reason)"
        }
    }
}
