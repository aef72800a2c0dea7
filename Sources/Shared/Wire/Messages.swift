// Swift mirrors of proto/bfpo.proto's messages. A value decoded by `WireCodec.decode` already satisfies
// every invariant documented here (counts within `Wire.Limits`, strings UTF-8 and bounded, enums known,
// floats finite); what depends on the run's state (is this lease live, does this worker exist, do the
// shard counts match the model) is the coordinator's or the worker's to check.

extension Wire {
    /// Worker → coordinator: join the run. Sent with an empty run id unless the worker was told the run.
    public struct Register: Sendable, Equatable {
        /// At most `Limits.maxNameBytes` bytes.
        public var workerName: String
        public var threads: UInt32
        /// The OpenBLAS kernels the worker runs (`BLASCoreReport.core`), so that the coordinator's log says
        /// which workers run slow fallback kernels. Printable ASCII, at most `Limits.maxBLASCoreBytes`
        /// bytes; empty when the worker does not say.
        public var blasCore: String

        public init(workerName: String, threads: UInt32, blasCore: String = "") {
            self.workerName = workerName
            self.threads = threads
            self.blasCore = blasCore
        }
    }

    /// Coordinator → worker: everything the worker needs to compute. No payload frames.
    public struct Welcome: Sendable, Equatable {
        public var workerID: UInt64
        /// Changes every time a coordinator process starts; a worker drops cached shards when it changes.
        public var incarnation: UInt64
        /// The model's HF `config.json`, at most `Limits.maxModelConfigBytes` bytes.
        public var modelConfigJSON: String
        /// Kind and validated parameters (travelling as the proto's `objective`, `beta`, `b1`, `alpha`).
        public var objective: Objective
        /// The flat parameter vector's shards: ids unique, counts ≥ 1, ranges disjoint and within UInt64.
        /// Their order is the order of every per-shard list and frame sequence of the protocol.
        public var shards: [ShardRange]
        /// ≥ 1.
        public var heartbeatMilliseconds: UInt32
        /// ≥ 1.
        public var leaseMilliseconds: UInt32
        /// Where each shard's policy parameters are pulled from and its gradients pushed to: empty, or one
        /// entry per entry of `shards`, each empty (the coordinator itself) or a `tcp://`/`ipc://` endpoint
        /// of at most `Limits.maxEndpointBytes` bytes.
        public var shardEndpoints: [String]
        /// The CURVE public key of each `shardEndpoints` entry's server: empty, or one per entry, each
        /// empty or 40 characters of valid Z85.
        public var shardEndpointKeys: [String]
        /// What crosses the wire (docs/compression.md).
        public var compression: WireCompression

        public init(
            workerID: UInt64, incarnation: UInt64, modelConfigJSON: String, objective: Objective,
            shards: [ShardRange], heartbeatMilliseconds: UInt32, leaseMilliseconds: UInt32, shardEndpoints: [String] = [],
            shardEndpointKeys: [String] = [], compression: WireCompression = .none
        ) {
            self.shardEndpoints = shardEndpoints
            self.shardEndpointKeys = shardEndpointKeys
            self.compression = compression
            self.workerID = workerID
            self.incarnation = incarnation
            self.modelConfigJSON = modelConfigJSON
            self.objective = objective
            self.shards = shards
            self.heartbeatMilliseconds = heartbeatMilliseconds
            self.leaseMilliseconds = leaseMilliseconds
        }
    }

    /// One contiguous range `[offset, offset + count)` of the flat parameter vector.
    public struct ShardRange: Sendable, Equatable {
        public var shardID: UInt32
        public var offset: UInt64
        public var count: UInt64
        /// Not trained (selective fine-tuning): never updated, so pulled once; no gradient is pushed for it.
        public var frozen: Bool

        public init(shardID: UInt32, offset: UInt64, count: UInt64, frozen: Bool = false) {
            self.shardID = shardID
            self.offset = offset
            self.count = count
            self.frozen = frozen
        }
    }

    /// Either side: the message was not accepted. Its layout is frozen across protocol versions.
    public struct Refused: Sendable, Equatable {
        /// A sentence saying why, at most `Limits.maxReasonBytes` bytes.
        public var reason: String
        /// True when registering again may help (e.g. the coordinator restarted and forgot this worker).
        public var registerAgain: Bool

        public init(reason: String, registerAgain: Bool = false) {
            self.reason = reason
            self.registerAgain = registerAgain
        }
    }

    /// Worker → coordinator: ready for a lease.
    public struct WorkRequest: Sendable, Equatable {
        public var workerID: UInt64
        /// Asked while the worker still computes a gradient lease (docs/architecture.md, "Asking ahead").
        public var ahead: Bool
        public init(workerID: UInt64, ahead: Bool = false) {
            self.workerID = workerID
            self.ahead = ahead
        }
    }

    /// Coordinator → worker: no lease right now; ask again after `retryMilliseconds`.
    public struct Wait: Sendable, Equatable {
        public var retryMilliseconds: UInt32
        public init(retryMilliseconds: UInt32) { self.retryMilliseconds = retryMilliseconds }
    }

    /// What a lease asks the worker to compute.
    public enum LeaseKind: Sendable, Equatable, CaseIterable {
        /// Forward only under the reference parameters; push the sequence log-probs (`ReferencePush`).
        case reference
        /// Forward and backward under the policy; push the gradient (`GradientPush`).
        case gradient
        /// Forward only under the policy at the lease's versions (evaluation during training); push the
        /// metric sums (`EvalPush`).
        case eval
    }

    /// Which parameter vector a lease or shard transfer is about.
    public enum ParameterSet: Sendable, Equatable, CaseIterable {
        case policy
        case reference
    }

    /// Coordinator → worker: one batch to compute. Payload frames, in order (`LeasePayload` builds and
    /// validates them), with N = Σ `sequenceLengths`:
    ///
    ///     token ids       int32   × N
    ///     loss mask       uint8   × N            (0 or 1)
    ///     safety labels   uint8   × 2·pairs      (chosen, rejected, chosen, …; 0 or 1)
    ///     reference logps float64 × 2·pairs      (gradient and eval leases; finite)
    public struct Lease: Sendable, Equatable {
        public var leaseID: UInt64
        public var batchID: UInt64
        public var epoch: UInt64
        public var step: UInt64
        /// Milliseconds the worker has, from receipt, before the batch is leased again; ≥ 1.
        public var leaseMilliseconds: UInt32
        public var kind: LeaseKind
        public var parameterSet: ParameterSet
        /// The versions to compute on, one per shard in the order of `Welcome.shards`.
        public var shardVersions: [UInt64]
        /// ≥ 1.
        public var pairs: UInt32
        /// The gradient pushed is of Σ pair loss / normalizer; finite and > 0.
        public var normalizer: Double
        /// Lengths of the 2·pairs sequences (chosen, rejected, chosen, …): exactly 2·pairs entries, each ≥ 1,
        /// summing to at most `Limits.maxLeaseTokens`.
        public var sequenceLengths: [UInt32]
        /// How many of the last pairs come from the helpfulness buffer; fewer than `pairs`.
        public var bufferPairs: UInt32
        /// The weight of each buffer pair's loss in the pushed gradient (the others weigh 1); finite, and
        /// positive when there are buffer pairs.
        public var bufferWeight: Double
        /// Keep the gradient until the next lease's grant says whether it carries it (`carriesLeaseID`);
        /// push it alone otherwise (docs/parameter-servers.md, "One push for two leases"). Gradient leases only.
        public var holdPush: Bool
        /// The lease held with `holdPush` whose gradient goes in this lease's push, summed into this one's;
        /// gradient leases only.
        public var carriesLeaseID: UInt64?

        public init(
            leaseID: UInt64, batchID: UInt64, epoch: UInt64, step: UInt64, leaseMilliseconds: UInt32,
            kind: LeaseKind, parameterSet: ParameterSet, shardVersions: [UInt64], pairs: UInt32,
            normalizer: Double, sequenceLengths: [UInt32], bufferPairs: UInt32 = 0, bufferWeight: Double = 0,
            holdPush: Bool = false, carriesLeaseID: UInt64? = nil
        ) {
            self.bufferPairs = bufferPairs
            self.bufferWeight = bufferWeight
            self.holdPush = holdPush
            self.carriesLeaseID = carriesLeaseID
            self.leaseID = leaseID
            self.batchID = batchID
            self.epoch = epoch
            self.step = step
            self.leaseMilliseconds = leaseMilliseconds
            self.kind = kind
            self.parameterSet = parameterSet
            self.shardVersions = shardVersions
            self.pairs = pairs
            self.normalizer = normalizer
            self.sequenceLengths = sequenceLengths
        }

        /// N, the number of tokens in the batch: Σ `sequenceLengths`.
        public var tokenCount: Int { sequenceLengths.reduce(0) { $0 + Int($1) } }
    }

    /// Worker → coordinator or shard server: send these shards' current parameters. Shard ids unique.
    public struct ShardRequest: Sendable, Equatable {
        public var workerID: UInt64
        public var parameterSet: ParameterSet
        public var shardIDs: [UInt32]
        /// Empty, or the version held of each entry of `shardIDs` (nil: none), so that under `topk`
        /// compression the answer can be the sparse updates since then.
        public var heldVersions: [UInt64?]

        public init(workerID: UInt64, parameterSet: ParameterSet, shardIDs: [UInt32], heldVersions: [UInt64?] = []) {
            self.workerID = workerID
            self.parameterSet = parameterSet
            self.shardIDs = shardIDs
            self.heldVersions = heldVersions
        }
    }

    /// Coordinator or shard server → worker: shards' parameters, followed for each entry of `shards`, in
    /// that order, by the frames `updateCounts` says (`frameCount` in all): one whole-shard frame — float32,
    /// or bfloat16 under `bf16` for a trained shard — or sparse-update frames. Shard ids unique.
    public struct ShardReply: Sendable, Equatable {
        public var parameterSet: ParameterSet
        public var shards: [ShardVersion]
        /// Empty, or one entry per entry of `shards`: 0 for a whole-shard frame (fp32, or bfloat16 under
        /// `bf16` compression), n ≥ 1 for n sparse-update frames from version `version − n` (`topk`).
        public var updateCounts: [UInt32]

        public init(parameterSet: ParameterSet, shards: [ShardVersion], updateCounts: [UInt32] = []) {
            self.parameterSet = parameterSet
            self.shards = shards
            self.updateCounts = updateCounts
        }

        /// The frames that follow the header.
        public var frameCount: Int {
            updateCounts.isEmpty ? shards.count : updateCounts.reduce(0) { $0 + max(1, Int($1)) }
        }
    }

    /// A shard and the version of its parameters.
    public struct ShardVersion: Sendable, Equatable {
        public var shardID: UInt32
        public var version: UInt64

        public init(shardID: UInt32, version: UInt64) {
            self.shardID = shardID
            self.version = version
        }
    }

    /// Worker → coordinator and each shard server: a gradient lease's result, followed by one frame per
    /// trained shard the receiver serves, in the order of `Welcome.shards`: float32 of the shard's count, or
    /// bfloat16 under `bf16` and `topk` (checked by `ReceivedGradient`).
    public struct GradientPush: Sendable, Equatable {
        public var workerID: UInt64
        public var leaseID: UInt64
        public var batchID: UInt64
        /// The versions the gradient was computed on, one per shard in the order of `Welcome.shards`.
        public var shardVersions: [UInt64]
        /// The batch's metric sums (the proto's `MetricSums`), validated by `PreferenceMetrics.init`.
        public var metrics: PreferenceMetrics
        public var tokens: UInt64
        /// Finite and ≥ 0.
        public var computeSeconds: Double
        /// The shards whose gradients this part's frames carry, in order; empty in the closing push, which
        /// carries no frames and makes the coordinator count the lease.
        public var shardIDs: [UInt32]
        /// In the closing push of a lease granted with `Lease.carriesLeaseID`: that held lease, whose
        /// gradient this push's parts carry summed into this lease's.
        public var carried: CarriedLease?

        public init(
            workerID: UInt64, leaseID: UInt64, batchID: UInt64, shardVersions: [UInt64],
            metrics: PreferenceMetrics, tokens: UInt64, computeSeconds: Double, shardIDs: [UInt32] = [],
            carried: CarriedLease? = nil
        ) {
            self.carried = carried
            self.workerID = workerID
            self.leaseID = leaseID
            self.batchID = batchID
            self.shardVersions = shardVersions
            self.metrics = metrics
            self.tokens = tokens
            self.computeSeconds = computeSeconds
            self.shardIDs = shardIDs
        }
    }

    /// A lease whose gradient went in another lease's push (`GradientPush.carried`).
    public struct CarriedLease: Sendable, Equatable {
        public var leaseID: UInt64
        public var batchID: UInt64
        /// The batch's metric sums, as `GradientPush.metrics`.
        public var metrics: PreferenceMetrics
        public var tokens: UInt64
        /// Finite and ≥ 0.
        public var computeSeconds: Double

        public init(leaseID: UInt64, batchID: UInt64, metrics: PreferenceMetrics, tokens: UInt64, computeSeconds: Double) {
            self.leaseID = leaseID
            self.batchID = batchID
            self.metrics = metrics
            self.tokens = tokens
            self.computeSeconds = computeSeconds
        }
    }

    /// Worker → coordinator: a reference lease's result, followed by one float64 frame of 2·pairs
    /// log-probs (chosen, rejected, chosen, …).
    public struct ReferencePush: Sendable, Equatable {
        public var workerID: UInt64
        public var leaseID: UInt64
        public var batchID: UInt64

        public init(workerID: UInt64, leaseID: UInt64, batchID: UInt64) {
            self.workerID = workerID
            self.leaseID = leaseID
            self.batchID = batchID
        }
    }

    /// Worker → coordinator: an eval lease's result, the batch's metric sums under the policy at
    /// `shardVersions` (the lease's versions). No payload frames.
    public struct EvalPush: Sendable, Equatable {
        public var workerID: UInt64
        public var leaseID: UInt64
        public var batchID: UInt64
        /// The versions the metrics were computed on, one per shard in the order of `Welcome.shards`.
        public var shardVersions: [UInt64]
        /// The batch's metric sums (the proto's `MetricSums`), validated as a gradient push's are.
        public var metrics: PreferenceMetrics

        public init(workerID: UInt64, leaseID: UInt64, batchID: UInt64, shardVersions: [UInt64], metrics: PreferenceMetrics) {
            self.workerID = workerID
            self.leaseID = leaseID
            self.batchID = batchID
            self.shardVersions = shardVersions
            self.metrics = metrics
        }
    }

    /// Coordinator → worker: what became of a push.
    public struct PushReply: Sendable, Equatable {
        public var leaseID: UInt64
        public var accepted: Bool
        /// Why not, when refused; at most `Limits.maxReasonBytes` bytes.
        public var reason: String

        public init(leaseID: UInt64, accepted: Bool, reason: String = "") {
            self.leaseID = leaseID
            self.accepted = accepted
            self.reason = reason
        }
    }

    /// Worker → coordinator, on a timer from the worker's heartbeat thread (its own socket).
    public struct Heartbeat: Sendable, Equatable {
        public var workerID: UInt64
        public init(workerID: UInt64) { self.workerID = workerID }
    }

    /// Coordinator → worker: the run is over (or the coordinator is shutting down); exit cleanly.
    public struct Stop: Sendable, Equatable {
        public var reason: String
        public init(reason: String) { self.reason = reason }
    }
}
