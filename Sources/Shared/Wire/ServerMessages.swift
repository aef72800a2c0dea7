// Swift mirrors of the parameter-server messages of proto/bfpo.proto (docs/parameter-servers.md). As in
// `Messages.swift`, a value decoded by `WireCodec.decode` satisfies every invariant documented here;
// whether a server, lease or shard is known is the receiver's to check.

extension Wire {
    /// Server → coordinator: offer a shard server that workers reach at `endpoint`. Sent with an empty run
    /// id (the server does not know the run yet), and again whenever the coordinator forgets it.
    public struct ServerHello: Sendable, Equatable {
        /// At most `Limits.maxNameBytes` bytes.
        public var serverName: String
        /// A `tcp://` or `ipc://` endpoint of at most `Limits.maxEndpointBytes` bytes.
        public var endpoint: String

        public init(serverName: String, endpoint: String) {
            self.serverName = serverName
            self.endpoint = endpoint
        }
    }

    /// One shard's place in the flat vector and its optimizer progress.
    public struct ShardState: Sendable, Equatable {
        public var shardID: UInt32
        public var offset: UInt64
        /// ≥ 1; `offset + count` within UInt64.
        public var count: UInt64
        public var version: UInt64
        public var optimizerSteps: UInt64
        /// As `ShardRange.frozen`; a frozen shard has no moments (its moment frames are empty).
        public var frozen: Bool

        public init(shardID: UInt32, offset: UInt64, count: UInt64, version: UInt64, optimizerSteps: UInt64, frozen: Bool = false) {
            self.shardID = shardID
            self.offset = offset
            self.count = count
            self.version = version
            self.optimizerSteps = optimizerSteps
            self.frozen = frozen
        }

        public var range: ShardRange { ShardRange(shardID: shardID, offset: offset, count: count, frozen: frozen) }

        /// The values in each moment frame: the count, or 0 for a frozen shard.
        public var momentCount: Int { frozen ? 0 : Int(count) }
    }

    /// Coordinator → server: the shards it owns from now on, replacing anything it held. Followed by three
    /// float32 frames per entry of `shards`, in that order, each of the shard's count: parameters, AdamW
    /// first moment, second moment.
    public struct ServerAssignment: Sendable, Equatable {
        public var serverID: UInt64
        /// The model's HF `config.json`, at most `Limits.maxModelConfigBytes` bytes.
        public var modelConfigJSON: String
        /// `AdamW.Hyperparameters` as JSON, at most `Limits.maxModelConfigBytes` bytes.
        public var optimizerJSON: String
        /// At least one; ids unique; ranges disjoint (as `Welcome.shards`).
        public var shards: [ShardState]
        public var compression: WireCompression

        public init(serverID: UInt64, modelConfigJSON: String, optimizerJSON: String, shards: [ShardState], compression: WireCompression = .none) {
            self.compression = compression
            self.serverID = serverID
            self.modelConfigJSON = modelConfigJSON
            self.optimizerJSON = optimizerJSON
            self.shards = shards
        }
    }

    /// One worker's push of one lease.
    public struct LeaseRef: Sendable, Hashable {
        public var leaseID: UInt64
        public var workerID: UInt64
        /// The worker's CURVE public key (Z85), "" without CURVE: part of the push's identity, so that a
        /// push in another worker's name is held apart from the worker's own and never used for it.
        public var key: String

        public init(leaseID: UInt64, workerID: UInt64, key: String = "") {
            self.leaseID = leaseID
            self.workerID = workerID
            self.key = key
        }
    }

    /// Coordinator → server: step `step`'s gradient is the sum of `leases`' pushes, added in this order;
    /// `dropped` pushes will never count. Each list holds at most `Limits.maxLeasesPerStep` entries, no
    /// entry twice, and no entry in both.
    public struct StepReduce: Sendable, Equatable {
        public var serverID: UInt64
        public var step: UInt64
        public var leases: [LeaseRef]
        public var dropped: [LeaseRef]

        public init(serverID: UInt64, step: UInt64, leases: [LeaseRef], dropped: [LeaseRef]) {
            self.serverID = serverID
            self.step = step
            self.leases = leases
            self.dropped = dropped
        }
    }

    /// Server → coordinator: the reduced gradient's Σ g² for each owned shard, in shard order (each finite
    /// and ≥ 0, at most `Limits.maxShards`); or, when `failure` is not empty, why the step could not be
    /// reduced (then `sumsOfSquares` is empty).
    public struct StepReduced: Sendable, Equatable {
        public var serverID: UInt64
        public var step: UInt64
        public var sumsOfSquares: [Double]
        /// At most `Limits.maxReasonBytes` bytes.
        public var failure: String

        public init(serverID: UInt64, step: UInt64, sumsOfSquares: [Double], failure: String = "") {
            self.serverID = serverID
            self.step = step
            self.sumsOfSquares = sumsOfSquares
            self.failure = failure
        }
    }

    /// Coordinator → server: one AdamW step on the reduced gradient times `scale` at `learningRate`.
    public struct StepCommit: Sendable, Equatable {
        public var serverID: UInt64
        public var step: UInt64
        /// Finite and ≥ 0.
        public var scale: Float
        /// Finite and ≥ 0.
        public var learningRate: Double

        public init(serverID: UInt64, step: UInt64, scale: Float, learningRate: Double) {
            self.serverID = serverID
            self.step = step
            self.scale = scale
            self.learningRate = learningRate
        }
    }

    /// Server → coordinator: the step is applied and published at these versions. Shard ids unique.
    public struct StepCommitted: Sendable, Equatable {
        public var serverID: UInt64
        public var step: UInt64
        public var shards: [ShardVersion]

        public init(serverID: UInt64, step: UInt64, shards: [ShardVersion]) {
            self.serverID = serverID
            self.step = step
            self.shards = shards
        }
    }

    /// Coordinator → server: send the owned shards' whole state, for a checkpoint.
    public struct StateRequest: Sendable, Equatable {
        public var serverID: UInt64
        public init(serverID: UInt64) { self.serverID = serverID }
    }

    /// Server → coordinator: followed by three float32 frames per entry of `shards` (parameters, first
    /// moment, second moment), as in `ServerAssignment`. Ids unique; ranges disjoint.
    public struct StateReply: Sendable, Equatable {
        public var serverID: UInt64
        public var shards: [ShardState]

        public init(serverID: UInt64, shards: [ShardState]) {
            self.serverID = serverID
            self.shards = shards
        }
    }
}
