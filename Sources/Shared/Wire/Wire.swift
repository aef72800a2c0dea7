/// The coordinator–worker protocol (proto/bfpo.proto, docs/wire-protocol.md): its version, its limits
/// and, in `Messages.swift`, its messages.
///
/// A ZeroMQ message is one header frame, an `Envelope` encoded with protobuf by `WireCodec`, followed by
/// raw frames of little-endian tensor data (`WireMessage`). Nothing outside `Sources/Shared/Wire`
/// sees protobuf-c or libzmq.
public enum Wire {
    /// Bumped on any incompatible change to proto/bfpo.proto or to a payload frame's format (8: a lease may
    /// hold its push for the next one to carry, `Lease.hold_push`, `GradientPush.carried`); a peer with
    /// another version is refused.
    public static let protocolVersion: UInt32 = 8

    /// Bounds on what a decoded header may contain. Every byte from the network is untrusted: anything
    /// outside these bounds is refused with a `WireError` before it reaches coordinator or worker logic.
    public enum Limits {
        /// Largest header frame accepted (1 MiB); headers are small, tensors travel in their own frames.
        public static let maxHeaderBytes = 1 << 20
        /// Most shards a run may have (Welcome.shards, shard ids and versions of every message).
        public static let maxShards = 65_536
        /// Most sequences (2 per pair) in one lease.
        public static let maxSequences = 1 << 20
        /// Most tokens (Σ sequence lengths) in one lease.
        public static let maxLeaseTokens = 1 << 28
        /// Longest run id, in UTF-8 bytes.
        public static let maxRunIDBytes = 256
        /// Longest worker name, in UTF-8 bytes.
        public static let maxNameBytes = 256
        /// Longest BLAS core name (`Register.blasCore`), in bytes of printable ASCII.
        public static let maxBLASCoreBytes = 64
        /// Longest endpoint (`ServerHello.endpoint`, `Welcome.shardEndpoints`), in UTF-8 bytes.
        public static let maxEndpointBytes = 1024
        /// Most pushes one step may sum, and most listed as dropped (`StepReduce`).
        public static let maxLeasesPerStep = 1 << 20
        /// Sparse updates a shard reply may carry for one shard (a server keeps no more).
        public static let maxUpdatesPerShard = 64
        /// Longest reason (Refused, PushReply, Stop), in UTF-8 bytes.
        public static let maxReasonBytes = 4096
        /// Longest model config.json carried by Welcome, in UTF-8 bytes.
        public static let maxModelConfigBytes = 512 * 1024
        /// Most frames (header and payloads) in one message: a header plus four frames per shard (a
        /// server's assignment or state: parameters, two moments, the public copy), with room.
        public static let maxFramesPerMessage = 4 * maxShards + 16
        /// Bound on a tensor value's magnitude, exclusive (2^101): with at most `maxLeasesPerStep` (2^20)
        /// pushes in a step, any sum of accepted values stays below 2^121, finite in fp32.
        public static let tensorMagnitudeLimit: Float = 0x1p101
        /// Bound on a metric sum's magnitude, inclusive (1e30): a step's sum of them stays finite.
        public static let metricMagnitudeLimit = 1e30
        /// Largest single frame a socket accepts by default (ZMQ_MAXMSGSIZE), 2 GiB: a shard of 512M floats.
        public static let maxFrameBytes: Int64 = 1 << 31
    }
}

#if !_endian(little)
#error("The wire protocol sends tensors as raw little-endian frames; big-endian hosts are not supported.")
#endif
