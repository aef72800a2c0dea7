/// One protocol message: the header (`envelope`) and the payload frames that follow it on the wire, in
/// the order its message type documents (e.g. `Wire.Lease`). Payload frames are raw little-endian
/// values; check them with `TensorFrame` (or `LeasePayload`) before use.
public struct WireMessage {
    public var envelope: Envelope
    public var frames: [Payload]

    public init(envelope: Envelope, frames: [Payload] = []) {
        self.envelope = envelope
        self.frames = frames
    }

    /// A message of this build's protocol version.
    public init(_ body: WireBody, runID: String, frames: [Payload] = []) {
        self.init(envelope: Envelope(runID: runID, body: body), frames: frames)
    }

    public var body: WireBody { envelope.body }

    /// The bytes of one payload frame: owned by the message, sent in place, or received in place.
    public enum Payload {
        /// Bytes owned by the message; copied once into libzmq when sent.
        case bytes([UInt8])
        /// Memory sent without copying, kept alive by the region's owner (see `ZeroCopyRegion`).
        case region(ZeroCopyRegion)
        /// A frame as received, read in place.
        case received(ReceivedFrame)

        /// `buffer`'s floats, sent in place.
        public static func floats(_ buffer: FloatBuffer) -> Payload { .region(ZeroCopyRegion(floats: buffer)) }

        /// A little-endian copy of `values` (for small tensors: labels, log-probs, ids).
        public static func copying<T: WireScalar>(_ values: [T]) -> Payload {
            .bytes(values.withUnsafeBytes { Array($0) })
        }

        public var byteCount: Int {
            switch self {
            case .bytes(let bytes): return bytes.count
            case .region(let region): return region.byteCount
            case .received(let frame): return frame.count
            }
        }

        /// Calls `body` with the payload's bytes, in place. The pointer is valid only inside `body`.
        public func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
            switch self {
            case .bytes(let bytes): return try bytes.withUnsafeBytes(body)
            case .region(let region): return try body(region.bytes)
            case .received(let frame): return try frame.withUnsafeBytes(body)
            }
        }

        /// The frame to hand to libzmq: owned bytes are copied, regions and received frames go in place.
        var outgoing: OutgoingFrame {
            switch self {
            case .bytes(let bytes): return .bytes(bytes)
            case .region(let region): return .region(region)
            case .received(let frame): return .region(frame.region)
            }
        }
    }

    /// The header frame followed by the payload frames, ready for `ZMQSocket.send(frames:)`.
    /// The bytes of the payload frames (the header not counted).
    public var payloadByteCount: Int { frames.reduce(0) { $0 + $1.byteCount } }

    public func outgoingFrames() -> [OutgoingFrame] {
        [.bytes(WireCodec.encode(envelope))] + frames.map(\.outgoing)
    }

    /// Decodes a message received as `[header, payload…]` (a ROUTER's routing-id frame already removed).
    /// - Throws: `WireError.noHeaderFrame`, or what `WireCodec.decode` throws.
    public init(received: ArraySlice<ReceivedFrame>) throws {
        guard let header = received.first else { throw WireError.noHeaderFrame }
        envelope = try header.withUnsafeBytes { try WireCodec.decode($0) }
        frames = received.dropFirst().map { .received($0) }
    }

    /// Checks that the message carries exactly `expected` payload frames.
    /// - Throws: `WireError.frameCount` naming the message.
    public func requireFrameCount(_ expected: Int) throws {
        guard frames.count == expected else {
            throw WireError.frameCount(message: body.name, expected: expected, actual: frames.count)
        }
    }
}
