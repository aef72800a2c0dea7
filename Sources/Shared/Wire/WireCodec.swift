import CBFPOWire
import Foundation

/// Converts between `Envelope` and its protobuf bytes: the one file that calls protobuf-c
/// (docs/conventions.md, "C libraries"). No protobuf-c pointer leaves it: encoding builds the
/// C structs over memory this file allocates and frees, decoding copies every field into Swift values and
/// frees the unpacked message before returning (`free_unpacked` in a `defer`).
///
/// Decoding treats the bytes as hostile: size limit first, then the protocol version (so a newer peer
/// is told "wrong version", not "malformed"), then every field against `Wire.Limits` and the invariants
/// documented on the message types. It throws `WireError`; it never traps on any input.
public enum WireCodec {
    /// The protobuf encoding of `envelope`. Strings must not contain NUL (protobuf-c strings are C
    /// strings; a NUL would cut them short).
    public static func encode(_ envelope: Envelope) -> [UInt8] {
        let arena = Arena()
        var c = Bfpo__Wire__Envelope()
        bfpo__wire__envelope__init(&c)
        c.protocol_version = envelope.protocolVersion
        c.run_id = arena.string(envelope.runID)
        Encoder(arena: arena).setBody(envelope.body, of: &c)
        let size = bfpo__wire__envelope__get_packed_size(&c)
        var out = [UInt8](repeating: 0, count: size)
        let written = out.withUnsafeMutableBufferPointer { bfpo__wire__envelope__pack(&c, $0.baseAddress!) }
        precondition(written == size, "protobuf-c packed \(written) bytes, announced \(size)")
        return out
    }

    /// Decodes and validates one header frame.
    /// - Throws: `WireError` naming what is wrong: `.headerTooLarge`, `.malformedHeader`,
    ///   `.protocolVersionMismatch` (for any body but `Refused`), `.missingBody`, or a field error.
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws -> Envelope {
        guard bytes.count <= Wire.Limits.maxHeaderBytes else {
            throw WireError.headerTooLarge(bytes: bytes.count, limit: Wire.Limits.maxHeaderBytes)
        }
        var empty: UInt8 = 0
        let unpacked: UnsafeMutablePointer<Bfpo__Wire__Envelope>? = withUnsafePointer(to: &empty) { dummy in
            let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? dummy
            return bfpo__wire__envelope__unpack(nil, bytes.count, base)
        }
        guard let unpacked else { throw WireError.malformedHeader(bytes: bytes.count) }
        defer { bfpo__wire__envelope__free_unpacked(unpacked, nil) }
        return try Decoder.envelope(unpacked.pointee)
    }

    /// Decodes and validates one header frame held in an array.
    public static func decode(_ bytes: [UInt8]) throws -> Envelope {
        try bytes.withUnsafeBytes { try decode($0) }
    }
}

// MARK: - Encoding

/// Memory for the C structs of one `encode` call, freed when the call returns.
private final class Arena {
    private var blocks: [UnsafeMutableRawPointer] = []

    deinit { for block in blocks { block.deallocate() } }

    func string(_ value: String) -> UnsafeMutablePointer<CChar> {
        let bytes = value.utf8CString
        let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count)
        bytes.withUnsafeBufferPointer { pointer.initialize(from: $0.baseAddress!, count: $0.count) }
        blocks.append(UnsafeMutableRawPointer(pointer))
        return pointer
    }

    func array<T>(_ values: [T]) -> UnsafeMutablePointer<T>? {
        guard !values.isEmpty else { return nil }
        let pointer = UnsafeMutablePointer<T>.allocate(capacity: values.count)
        values.withUnsafeBufferPointer { pointer.initialize(from: $0.baseAddress!, count: $0.count) }
        blocks.append(UnsafeMutableRawPointer(pointer))
        return pointer
    }

    func store<T>(_ value: T) -> UnsafeMutablePointer<T> {
        let pointer = UnsafeMutablePointer<T>.allocate(capacity: 1)
        pointer.initialize(to: value)
        blocks.append(UnsafeMutableRawPointer(pointer))
        return pointer
    }
}

private struct Encoder {
    let arena: Arena

    func setBody(_ body: WireBody, of c: inout Bfpo__Wire__Envelope) {
        switch body {
        case .register(let m):
            var r = Bfpo__Wire__Register()
            bfpo__wire__register__init(&r)
            r.worker_name = arena.string(m.workerName)
            r.threads = m.threads
            r.blas_core = arena.string(m.blasCore)
            c.body_case = BFPO__WIRE__ENVELOPE__BODY_REGISTER
            c.register_ = arena.store(r)
        case .welcome(let m):
            var r = Bfpo__Wire__Welcome()
            bfpo__wire__welcome__init(&r)
            r.worker_id = m.workerID
            r.incarnation = m.incarnation
            r.model_config_json = arena.string(m.modelConfigJSON)
            r.objective = arena.string(m.objective.kind.rawValue)
            r.beta = m.objective.parameters.beta
            r.b1 = m.objective.parameters.b1
            r.alpha = m.objective.parameters.alpha
            let shards: [UnsafeMutablePointer<Bfpo__Wire__ShardRange>?] = m.shards.map { s in
                var range = Bfpo__Wire__ShardRange()
                bfpo__wire__shard_range__init(&range)
                range.shard_id = s.shardID
                range.offset = s.offset
                range.count = s.count
                range.frozen = s.frozen ? 1 : 0
                return arena.store(range)
            }
            r.n_shards = shards.count
            r.shards = arena.array(shards)
            r.heartbeat_ms = m.heartbeatMilliseconds
            r.lease_ms = m.leaseMilliseconds
            let endpoints: [UnsafeMutablePointer<CChar>?] = m.shardEndpoints.map { arena.string($0) }
            r.n_shard_endpoints = endpoints.count
            r.shard_endpoints = arena.array(endpoints)
            let keys: [UnsafeMutablePointer<CChar>?] = m.shardEndpointKeys.map { arena.string($0) }
            r.n_shard_endpoint_keys = keys.count
            r.shard_endpoint_keys = arena.array(keys)
            r.compression = arena.string(m.compression.description)
            c.body_case = BFPO__WIRE__ENVELOPE__BODY_WELCOME
            c.welcome = arena.store(r)
        case .refused(let m):
            var r = Bfpo__Wire__Refused()
            bfpo__wire__refused__init(&r)
            r.reason = arena.string(m.reason)
            r.register_again = m.registerAgain ? 1 : 0
            c.body_case = BFPO__WIRE__ENVELOPE__BODY_REFUSED
            c.refused = arena.store(r)
        case .workRequest(let m):
            var r = Bfpo__Wire__WorkRequest()
            bfpo__wire__work_request__init(&r)
            r.worker_id = m.workerID
            r.ahead = m.ahead ? 1 : 0
            c.body_case = BFPO__WIRE__ENVELOPE__BODY_WORK_REQUEST
            c.work_request = arena.store(r)
        case .lease(let m):
            var r = Bfpo__Wire__Lease()
            bfpo__wire__lease__init(&r)
            r.lease_id = m.leaseID
            r.batch_id = m.batchID
            r.epoch = m.epoch
            r.step = m.step
            r.lease_ms = m.leaseMilliseconds
            r.kind = Self.leaseKind(m.kind)
            r.parameter_set = Self.parameterSet(m.parameterSet)
            r.n_shard_versions = m.shardVersions.count
            r.shard_versions = arena.array(m.shardVersions)
            r.pairs = m.pairs
            r.normalizer = m.normalizer
            r.n_sequence_lengths = m.sequenceLengths.count
            r.sequence_lengths = arena.array(m.sequenceLengths)
            r.buffer_pairs = m.bufferPairs
            r.buffer_weight = m.bufferWeight
            r.hold_push = m.holdPush ? 1 : 0
            r.carries_lease_id = m.carriesLeaseID ?? 0
            c.body_case = BFPO__WIRE__ENVELOPE__BODY_LEASE
            c.lease = arena.store(r)
        case .wait(let m):
            var r = Bfpo__Wire__Wait()
            bfpo__wire__wait__init(&r)
            r.retry_ms = m.retryMilliseconds
            c.body_case = BFPO__WIRE__ENVELOPE__BODY_WAIT
            c.wait = arena.store(r)
        case .shardRequest(let m):
            var r = Bfpo__Wire__ShardRequest()
            bfpo__wire__shard_request__init(&r)
            r.worker_id = m.workerID
            r.parameter_set = Self.parameterSet(m.parameterSet)
            r.n_shard_ids = m.shardIDs.count
            r.shard_ids = arena.array(m.shardIDs)
            // 0 is "none held": versions start at 0, so a held version goes on the wire as version + 1.
            let held = m.heldVersions.map { $0.map { $0 &+ 1 } ?? 0 }
            r.n_held_versions = held.count
            r.held_versions = arena.array(held)
            c.body_case = BFPO__WIRE__ENVELOPE__BODY_SHARD_REQUEST
            c.shard_request = arena.store(r)
        case .shardReply(let m):
            var r = Bfpo__Wire__ShardReply()
            bfpo__wire__shard_reply__init(&r)
            r.parameter_set = Self.parameterSet(m.parameterSet)
            let shards = shardVersions(m.shards)
            r.n_shards = shards.count
            r.shards = arena.array(shards)
            r.n_update_counts = m.updateCounts.count
            r.update_counts = arena.array(m.updateCounts)
            c.body_case = BFPO__WIRE__ENVELOPE__BODY_SHARD_REPLY
            c.shard_reply = arena.store(r)
        case .gradientPush(let m):
            var r = Bfpo__Wire__GradientPush()
            bfpo__wire__gradient_push__init(&r)
            r.worker_id = m.workerID
            r.lease_id = m.leaseID
            r.batch_id = m.batchID
            r.n_shard_versions = m.shardVersions.count
            r.shard_versions = arena.array(m.shardVersions)
            r.metrics = arena.store(metricSums(m.metrics))
            r.tokens = m.tokens
            r.compute_seconds = m.computeSeconds
            r.n_shard_ids = m.shardIDs.count
            r.shard_ids = arena.array(m.shardIDs)
            if let carried = m.carried {
                var l = Bfpo__Wire__CarriedLease()
                bfpo__wire__carried_lease__init(&l)
                l.lease_id = carried.leaseID
                l.batch_id = carried.batchID
                l.metrics = arena.store(metricSums(carried.metrics))
                l.tokens = carried.tokens
                l.compute_seconds = carried.computeSeconds
                r.carried = arena.store(l)
            }
            c.body_case = BFPO__WIRE__ENVELOPE__BODY_GRADIENT_PUSH
            c.gradient_push = arena.store(r)
        case .referencePush(let m):
            var r = Bfpo__Wire__ReferencePush()
            bfpo__wire__reference_push__init(&r)
            r.worker_id = m.workerID
            r.lease_id = m.leaseID
            r.batch_id = m.batchID
            c.body_case = BFPO__WIRE__ENVELOPE__BODY_REFERENCE_PUSH
            c.reference_push = arena.store(r)
        case .evalPush(let m):
            var r = Bfpo__Wire__EvalPush()
            bfpo__wire__eval_push__init(&r)
            r.worker_id = m.workerID
            r.lease_id = m.leaseID
            r.batch_id = m.batchID
            r.n_shard_versions = m.shardVersions.count
            r.shard_versions = arena.array(m.shardVersions)
            r.metrics = arena.store(metricSums(m.metrics))
            c.body_case = BFPO__WIRE__ENVELOPE__BODY_EVAL_PUSH
            c.eval_push = arena.store(r)
        case .pushReply(let m):
            var r = Bfpo__Wire__PushReply()
            bfpo__wire__push_reply__init(&r)
            r.lease_id = m.leaseID
            r.accepted = m.accepted ? 1 : 0
            r.reason = arena.string(m.reason)
            c.body_case = BFPO__WIRE__ENVELOPE__BODY_PUSH_REPLY
            c.push_reply = arena.store(r)
        case .heartbeat(let m):
            var r = Bfpo__Wire__Heartbeat()
            bfpo__wire__heartbeat__init(&r)
            r.worker_id = m.workerID
            c.body_case = BFPO__WIRE__ENVELOPE__BODY_HEARTBEAT
            c.heartbeat = arena.store(r)
        case .stop(let m):
            var r = Bfpo__Wire__Stop()
            bfpo__wire__stop__init(&r)
            r.reason = arena.string(m.reason)
            c.body_case = BFPO__WIRE__ENVELOPE__BODY_STOP
            c.stop = arena.store(r)
        case .serverHello(let m):
            var r = Bfpo__Wire__ServerHello()
            bfpo__wire__server_hello__init(&r)
            r.server_name = arena.string(m.serverName)
            r.endpoint = arena.string(m.endpoint)
            c.body_case = BFPO__WIRE__ENVELOPE__BODY_SERVER_HELLO
            c.server_hello = arena.store(r)
        case .serverAssignment(let m):
            var r = Bfpo__Wire__ServerAssignment()
            bfpo__wire__server_assignment__init(&r)
            r.server_id = m.serverID
            r.model_config_json = arena.string(m.modelConfigJSON)
            r.optimizer_json = arena.string(m.optimizerJSON)
            r.compression = arena.string(m.compression.description)
            let shards = shardStates(m.shards)
            r.n_shards = shards.count
            r.shards = arena.array(shards)
            c.body_case = BFPO__WIRE__ENVELOPE__BODY_SERVER_ASSIGNMENT
            c.server_assignment = arena.store(r)
        case .stepReduce(let m):
            var r = Bfpo__Wire__StepReduce()
            bfpo__wire__step_reduce__init(&r)
            r.server_id = m.serverID
            r.step = m.step
            let leases = leaseRefs(m.leases)
            r.n_leases = leases.count
            r.leases = arena.array(leases)
            let dropped = leaseRefs(m.dropped)
            r.n_dropped = dropped.count
            r.dropped = arena.array(dropped)
            c.body_case = BFPO__WIRE__ENVELOPE__BODY_STEP_REDUCE
            c.step_reduce = arena.store(r)
        case .stepReduced(let m):
            var r = Bfpo__Wire__StepReduced()
            bfpo__wire__step_reduced__init(&r)
            r.server_id = m.serverID
            r.step = m.step
            r.n_sums_of_squares = m.sumsOfSquares.count
            r.sums_of_squares = arena.array(m.sumsOfSquares)
            r.failure = arena.string(m.failure)
            c.body_case = BFPO__WIRE__ENVELOPE__BODY_STEP_REDUCED
            c.step_reduced = arena.store(r)
        case .stepCommit(let m):
            var r = Bfpo__Wire__StepCommit()
            bfpo__wire__step_commit__init(&r)
            r.server_id = m.serverID
            r.step = m.step
            r.scale = m.scale
            r.learning_rate = m.learningRate
            c.body_case = BFPO__WIRE__ENVELOPE__BODY_STEP_COMMIT
            c.step_commit = arena.store(r)
        case .stepCommitted(let m):
            var r = Bfpo__Wire__StepCommitted()
            bfpo__wire__step_committed__init(&r)
            r.server_id = m.serverID
            r.step = m.step
            let shards = shardVersions(m.shards)
            r.n_shards = shards.count
            r.shards = arena.array(shards)
            c.body_case = BFPO__WIRE__ENVELOPE__BODY_STEP_COMMITTED
            c.step_committed = arena.store(r)
        case .stateRequest(let m):
            var r = Bfpo__Wire__StateRequest()
            bfpo__wire__state_request__init(&r)
            r.server_id = m.serverID
            c.body_case = BFPO__WIRE__ENVELOPE__BODY_STATE_REQUEST
            c.state_request = arena.store(r)
        case .stateReply(let m):
            var r = Bfpo__Wire__StateReply()
            bfpo__wire__state_reply__init(&r)
            r.server_id = m.serverID
            let shards = shardStates(m.shards)
            r.n_shards = shards.count
            r.shards = arena.array(shards)
            c.body_case = BFPO__WIRE__ENVELOPE__BODY_STATE_REPLY
            c.state_reply = arena.store(r)
        }
    }

    private func shardVersions(_ versions: [Wire.ShardVersion]) -> [UnsafeMutablePointer<Bfpo__Wire__ShardVersion>?] {
        versions.map { s in
            var r = Bfpo__Wire__ShardVersion()
            bfpo__wire__shard_version__init(&r)
            r.shard_id = s.shardID
            r.version = s.version
            return arena.store(r)
        }
    }

    private func shardStates(_ states: [Wire.ShardState]) -> [UnsafeMutablePointer<Bfpo__Wire__ShardState>?] {
        states.map { s in
            var r = Bfpo__Wire__ShardState()
            bfpo__wire__shard_state__init(&r)
            r.shard_id = s.shardID
            r.offset = s.offset
            r.count = s.count
            r.version = s.version
            r.optimizer_steps = s.optimizerSteps
            r.frozen = s.frozen ? 1 : 0
            return arena.store(r)
        }
    }

    private func leaseRefs(_ refs: [Wire.LeaseRef]) -> [UnsafeMutablePointer<Bfpo__Wire__LeaseRef>?] {
        refs.map { l in
            var r = Bfpo__Wire__LeaseRef()
            bfpo__wire__lease_ref__init(&r)
            r.lease_id = l.leaseID
            r.worker_id = l.workerID
            r.key = arena.string(l.key)
            return arena.store(r)
        }
    }

    /// `PreferenceMetrics` → the proto's `MetricSums` (counts are never negative in a valid value).
    private func metricSums(_ m: PreferenceMetrics) -> Bfpo__Wire__MetricSums {
        var r = Bfpo__Wire__MetricSums()
        bfpo__wire__metric_sums__init(&r)
        r.pairs = UInt64(m.pairs)
        r.loss_sum = m.lossSum
        r.chosen_reward_sum = m.chosenRewardSum
        r.rejected_reward_sum = m.rejectedRewardSum
        r.ranked_pairs = UInt64(m.rankedPairs)
        r.accurate_pairs = UInt64(m.accuratePairs)
        r.safe_chosen_pairs = UInt64(m.safeChosenPairs)
        r.safe_chosen_reward_sum = m.safeChosenRewardSum
        r.unsafe_chosen_reward_sum = m.unsafeChosenRewardSum
        r.policy_chosen_logp_sum = m.policyChosenLogProbSum
        r.policy_rejected_logp_sum = m.policyRejectedLogProbSum
        return r
    }

    private static func leaseKind(_ kind: Wire.LeaseKind) -> Bfpo__Wire__LeaseKind {
        switch kind {
        case .reference: return BFPO__WIRE__LEASE_KIND__LEASE_KIND_REFERENCE
        case .gradient: return BFPO__WIRE__LEASE_KIND__LEASE_KIND_GRADIENT
        case .eval: return BFPO__WIRE__LEASE_KIND__LEASE_KIND_EVAL
        }
    }

    private static func parameterSet(_ set: Wire.ParameterSet) -> Bfpo__Wire__ParameterSet {
        switch set {
        case .policy: return BFPO__WIRE__PARAMETER_SET__PARAMETER_SET_POLICY
        case .reference: return BFPO__WIRE__PARAMETER_SET__PARAMETER_SET_REFERENCE
        }
    }
}

// MARK: - Decoding

private enum Decoder {
    typealias Limits = Wire.Limits

    static func envelope(_ c: Bfpo__Wire__Envelope) throws -> Envelope {
        let isRefused = c.body_case == BFPO__WIRE__ENVELOPE__BODY_REFUSED
        // The version is checked before anything else is interpreted; only Refused, frozen across
        // versions, is read from a peer of another version.
        guard c.protocol_version == Wire.protocolVersion || isRefused else {
            throw WireError.protocolVersionMismatch(received: c.protocol_version, expected: Wire.protocolVersion)
        }
        let runID = try string(c.run_id, "Envelope", "run_id", limit: Limits.maxRunIDBytes)
        return Envelope(protocolVersion: c.protocol_version, runID: runID, body: try body(c))
    }

    private static func body(_ c: Bfpo__Wire__Envelope) throws -> WireBody {
        switch c.body_case {
        case BFPO__WIRE__ENVELOPE__BODY_REGISTER:
            let m = try present(c.register_, "Envelope", "register")
            return .register(Wire.Register(
                workerName: try string(m.worker_name, "Register", "worker_name", limit: Limits.maxNameBytes),
                threads: m.threads, blasCore: try printableASCII(m.blas_core, "Register", "blas_core", limit: Limits.maxBLASCoreBytes)))
        case BFPO__WIRE__ENVELOPE__BODY_WELCOME:
            return .welcome(try welcome(try present(c.welcome, "Envelope", "welcome")))
        case BFPO__WIRE__ENVELOPE__BODY_REFUSED:
            let m = try present(c.refused, "Envelope", "refused")
            return .refused(Wire.Refused(
                reason: try string(m.reason, "Refused", "reason", limit: Limits.maxReasonBytes),
                registerAgain: m.register_again != 0))
        case BFPO__WIRE__ENVELOPE__BODY_WORK_REQUEST:
            let m = try present(c.work_request, "Envelope", "work_request")
            return .workRequest(Wire.WorkRequest(workerID: m.worker_id, ahead: m.ahead != 0))
        case BFPO__WIRE__ENVELOPE__BODY_LEASE:
            return .lease(try lease(try present(c.lease, "Envelope", "lease")))
        case BFPO__WIRE__ENVELOPE__BODY_WAIT:
            let m = try present(c.wait, "Envelope", "wait")
            return .wait(Wire.Wait(retryMilliseconds: m.retry_ms))
        case BFPO__WIRE__ENVELOPE__BODY_SHARD_REQUEST:
            let m = try present(c.shard_request, "Envelope", "shard_request")
            let ids = try array(m.shard_ids, m.n_shard_ids, "ShardRequest", "shard_ids", limit: Limits.maxShards)
            try requireUnique(ids, "ShardRequest", "shard_ids")
            let held = try array(m.held_versions, m.n_held_versions, "ShardRequest", "held_versions", limit: Limits.maxShards)
            guard held.isEmpty || held.count == ids.count else {
                throw WireError.invalidField(message: "ShardRequest", field: "held_versions", reason: "it has \(held.count) entries for \(ids.count) shards")
            }
            return .shardRequest(Wire.ShardRequest(
                workerID: m.worker_id, parameterSet: try parameterSet(m.parameter_set, "ShardRequest"), shardIDs: ids,
                heldVersions: held.map { $0 == 0 ? nil : $0 - 1 }))
        case BFPO__WIRE__ENVELOPE__BODY_SHARD_REPLY:
            let m = try present(c.shard_reply, "Envelope", "shard_reply")
            let shards = try shardVersions(m.shards, m.n_shards, "ShardReply")
            let counts = try array(m.update_counts, m.n_update_counts, "ShardReply", "update_counts", limit: Limits.maxShards)
            guard counts.isEmpty || counts.count == shards.count else {
                throw WireError.invalidField(message: "ShardReply", field: "update_counts", reason: "it has \(counts.count) entries for \(shards.count) shards")
            }
            if let bad = zip(shards, counts).first(where: { UInt64($0.1) > $0.0.version || $0.1 > UInt32(Limits.maxUpdatesPerShard) }) {
                throw WireError.invalidField(message: "ShardReply", field: "update_counts",
                                             reason: "\(bad.1) updates for shard \(bad.0.shardID) at version \(bad.0.version)")
            }
            return .shardReply(Wire.ShardReply(parameterSet: try parameterSet(m.parameter_set, "ShardReply"), shards: shards, updateCounts: counts))
        case BFPO__WIRE__ENVELOPE__BODY_GRADIENT_PUSH:
            return .gradientPush(try gradientPush(try present(c.gradient_push, "Envelope", "gradient_push")))
        case BFPO__WIRE__ENVELOPE__BODY_REFERENCE_PUSH:
            let m = try present(c.reference_push, "Envelope", "reference_push")
            try batchID(m.batch_id, "ReferencePush")
            return .referencePush(Wire.ReferencePush(workerID: m.worker_id, leaseID: m.lease_id, batchID: m.batch_id))
        case BFPO__WIRE__ENVELOPE__BODY_EVAL_PUSH:
            let m = try present(c.eval_push, "Envelope", "eval_push")
            try batchID(m.batch_id, "EvalPush")
            let versions = try array(m.shard_versions, m.n_shard_versions, "EvalPush", "shard_versions", limit: Limits.maxShards)
            let sums = try present(m.metrics, "EvalPush", "metrics")
            return .evalPush(Wire.EvalPush(workerID: m.worker_id, leaseID: m.lease_id, batchID: m.batch_id, shardVersions: versions,
                                           metrics: try metrics(sums, "EvalPush")))
        case BFPO__WIRE__ENVELOPE__BODY_PUSH_REPLY:
            let m = try present(c.push_reply, "Envelope", "push_reply")
            return .pushReply(Wire.PushReply(
                leaseID: m.lease_id, accepted: m.accepted != 0,
                reason: try string(m.reason, "PushReply", "reason", limit: Limits.maxReasonBytes)))
        case BFPO__WIRE__ENVELOPE__BODY_HEARTBEAT:
            let m = try present(c.heartbeat, "Envelope", "heartbeat")
            return .heartbeat(Wire.Heartbeat(workerID: m.worker_id))
        case BFPO__WIRE__ENVELOPE__BODY_STOP:
            let m = try present(c.stop, "Envelope", "stop")
            return .stop(Wire.Stop(reason: try string(m.reason, "Stop", "reason", limit: Limits.maxReasonBytes)))
        case BFPO__WIRE__ENVELOPE__BODY_SERVER_HELLO:
            let m = try present(c.server_hello, "Envelope", "server_hello")
            return .serverHello(Wire.ServerHello(
                serverName: try printableASCII(m.server_name, "ServerHello", "server_name", limit: Limits.maxNameBytes),
                endpoint: try endpoint(m.endpoint, "ServerHello", "endpoint", allowEmpty: false)))
        case BFPO__WIRE__ENVELOPE__BODY_SERVER_ASSIGNMENT:
            let m = try present(c.server_assignment, "Envelope", "server_assignment")
            let shards = try shardStates(m.shards, m.n_shards, "ServerAssignment")
            guard !shards.isEmpty else {
                throw WireError.invalidField(message: "ServerAssignment", field: "shards", reason: "a server must own at least one shard")
            }
            return .serverAssignment(Wire.ServerAssignment(
                serverID: m.server_id,
                modelConfigJSON: try string(m.model_config_json, "ServerAssignment", "model_config_json", limit: Limits.maxModelConfigBytes),
                optimizerJSON: try string(m.optimizer_json, "ServerAssignment", "optimizer_json", limit: Limits.maxModelConfigBytes),
                shards: shards, compression: try compression(m.compression, "ServerAssignment")))
        case BFPO__WIRE__ENVELOPE__BODY_STEP_REDUCE:
            let m = try present(c.step_reduce, "Envelope", "step_reduce")
            let leases = try leaseRefs(m.leases, m.n_leases, "leases")
            let dropped = try leaseRefs(m.dropped, m.n_dropped, "dropped")
            var seen = Set<Wire.LeaseRef>(minimumCapacity: leases.count + dropped.count)
            for (position, ref) in (leases + dropped).enumerated() where !seen.insert(ref).inserted {
                throw WireError.invalidField(message: "StepReduce", field: position < leases.count ? "leases" : "dropped",
                                             reason: "lease \(ref.leaseID) of worker \(ref.workerID) is listed twice")
            }
            return .stepReduce(Wire.StepReduce(serverID: m.server_id, step: m.step, leases: leases, dropped: dropped))
        case BFPO__WIRE__ENVELOPE__BODY_STEP_REDUCED:
            let m = try present(c.step_reduced, "Envelope", "step_reduced")
            let sums = try array(m.sums_of_squares, m.n_sums_of_squares, "StepReduced", "sums_of_squares", limit: Limits.maxShards)
            if let bad = sums.first(where: { !$0.isFinite || $0 < 0 }) {
                throw WireError.invalidField(message: "StepReduced", field: "sums_of_squares", reason: "\(bad) is not finite and non-negative")
            }
            let failure = try string(m.failure, "StepReduced", "failure", limit: Limits.maxReasonBytes)
            guard failure.isEmpty || sums.isEmpty else {
                throw WireError.invalidField(message: "StepReduced", field: "sums_of_squares", reason: "a failed reduction carries no sums")
            }
            return .stepReduced(Wire.StepReduced(serverID: m.server_id, step: m.step, sumsOfSquares: sums, failure: failure))
        case BFPO__WIRE__ENVELOPE__BODY_STEP_COMMIT:
            let m = try present(c.step_commit, "Envelope", "step_commit")
            guard m.scale.isFinite, m.scale >= 0 else {
                throw WireError.invalidField(message: "StepCommit", field: "scale", reason: "\(m.scale) is not finite and non-negative")
            }
            guard m.learning_rate.isFinite, m.learning_rate >= 0 else {
                throw WireError.invalidField(message: "StepCommit", field: "learning_rate",
                                             reason: "\(m.learning_rate) is not finite and non-negative")
            }
            return .stepCommit(Wire.StepCommit(serverID: m.server_id, step: m.step, scale: m.scale, learningRate: m.learning_rate))
        case BFPO__WIRE__ENVELOPE__BODY_STEP_COMMITTED:
            let m = try present(c.step_committed, "Envelope", "step_committed")
            let shards = try shardVersions(m.shards, m.n_shards, "StepCommitted")
            return .stepCommitted(Wire.StepCommitted(serverID: m.server_id, step: m.step, shards: shards))
        case BFPO__WIRE__ENVELOPE__BODY_STATE_REQUEST:
            let m = try present(c.state_request, "Envelope", "state_request")
            return .stateRequest(Wire.StateRequest(serverID: m.server_id))
        case BFPO__WIRE__ENVELOPE__BODY_STATE_REPLY:
            let m = try present(c.state_reply, "Envelope", "state_reply")
            return .stateReply(Wire.StateReply(serverID: m.server_id, shards: try shardStates(m.shards, m.n_shards, "StateReply")))
        default:
            throw WireError.missingBody
        }
    }

    private static func welcome(_ m: Bfpo__Wire__Welcome) throws -> Wire.Welcome {
        let name = try string(m.objective, "Welcome", "objective", limit: Limits.maxNameBytes)
        guard let kind = ObjectiveKind(rawValue: name) else {
            let known = ObjectiveKind.allCases.map(\.rawValue).joined(separator: ", ")
            throw WireError.invalidField(message: "Welcome", field: "objective", reason: "\"\(name)\" is not one of \(known)")
        }
        let objective: Objective
        do {
            objective = try Objective(kind: kind, parameters: ObjectiveParameters(beta: m.beta, b1: m.b1, alpha: m.alpha))
        } catch let error as ObjectiveError {
            var field = "beta"
            if case .invalidParameter(let name, _, _) = error { field = name }
            throw WireError.invalidField(message: "Welcome", field: field, reason: error.description)
        }
        let pointers = try array(m.shards, m.n_shards, "Welcome", "shards", limit: Limits.maxShards)
        let shards = try pointers.map { p -> Wire.ShardRange in
            let s = try present(p, "Welcome", "shards")
            return Wire.ShardRange(shardID: s.shard_id, offset: s.offset, count: s.count, frozen: s.frozen != 0)
        }
        try validateShardRanges(shards, "Welcome")
        let endpointPointers = try array(m.shard_endpoints, m.n_shard_endpoints, "Welcome", "shard_endpoints", limit: Limits.maxShards)
        guard endpointPointers.isEmpty || endpointPointers.count == shards.count else {
            throw WireError.invalidField(message: "Welcome", field: "shard_endpoints",
                                         reason: "it has \(endpointPointers.count) entries for \(shards.count) shards")
        }
        let endpoints = try endpointPointers.map { try endpoint($0, "Welcome", "shard_endpoints", allowEmpty: true) }
        let keyPointers = try array(m.shard_endpoint_keys, m.n_shard_endpoint_keys, "Welcome", "shard_endpoint_keys", limit: Limits.maxShards)
        guard keyPointers.isEmpty || keyPointers.count == endpoints.count else {
            throw WireError.invalidField(message: "Welcome", field: "shard_endpoint_keys",
                                         reason: "it has \(keyPointers.count) entries for \(endpoints.count) shard endpoints")
        }
        let keys = try keyPointers.map { try curveKey($0, "Welcome", "shard_endpoint_keys") }
        guard m.heartbeat_ms >= 1 else {
            throw WireError.invalidField(message: "Welcome", field: "heartbeat_ms", reason: "it must be at least 1")
        }
        guard m.lease_ms >= 1 else {
            throw WireError.invalidField(message: "Welcome", field: "lease_ms", reason: "it must be at least 1")
        }
        return Wire.Welcome(
            workerID: m.worker_id, incarnation: m.incarnation,
            modelConfigJSON: try string(m.model_config_json, "Welcome", "model_config_json", limit: Limits.maxModelConfigBytes),
            objective: objective, shards: shards, heartbeatMilliseconds: m.heartbeat_ms, leaseMilliseconds: m.lease_ms,
            shardEndpoints: endpoints, shardEndpointKeys: keys, compression: try compression(m.compression, "Welcome"))
    }

    /// Ids unique, counts ≥ 1, ends within UInt64, ranges pairwise disjoint.
    private static func validateShardRanges(_ shards: [Wire.ShardRange], _ message: String) throws {
        func fail(_ reason: String) -> WireError { .invalidField(message: message, field: "shards", reason: reason) }
        try requireUnique(shards.map(\.shardID), message, "shards.shard_id")
        for s in shards {
            guard s.count >= 1 else { throw fail("shard \(s.shardID) has count 0") }
            guard !s.offset.addingReportingOverflow(s.count).overflow else {
                throw fail("shard \(s.shardID) ends beyond 2^64 (offset \(s.offset), count \(s.count))")
            }
        }
        let sorted = shards.sorted { $0.offset < $1.offset }
        for (a, b) in zip(sorted, sorted.dropFirst()) where b.offset < a.offset + a.count {
            throw fail("shards \(a.shardID) and \(b.shardID) overlap")
        }
    }

    private static func shardVersions(
        _ pointer: UnsafeMutablePointer<UnsafeMutablePointer<Bfpo__Wire__ShardVersion>?>?, _ count: Int, _ message: String
    ) throws -> [Wire.ShardVersion] {
        let shards = try array(pointer, count, message, "shards", limit: Limits.maxShards).map { p -> Wire.ShardVersion in
            let s = try present(p, message, "shards")
            return Wire.ShardVersion(shardID: s.shard_id, version: s.version)
        }
        try requireUnique(shards.map(\.shardID), message, "shards.shard_id")
        return shards
    }

    /// Shard states whose ranges satisfy the invariants of `Welcome.shards`.
    private static func shardStates(
        _ pointer: UnsafeMutablePointer<UnsafeMutablePointer<Bfpo__Wire__ShardState>?>?, _ count: Int, _ message: String
    ) throws -> [Wire.ShardState] {
        let states = try array(pointer, count, message, "shards", limit: Limits.maxShards).map { p -> Wire.ShardState in
            let s = try present(p, message, "shards")
            return Wire.ShardState(shardID: s.shard_id, offset: s.offset, count: s.count, version: s.version,
                                   optimizerSteps: s.optimizer_steps, frozen: s.frozen != 0)
        }
        try validateShardRanges(states.map(\.range), message)
        return states
    }

    private static func leaseRefs(
        _ pointer: UnsafeMutablePointer<UnsafeMutablePointer<Bfpo__Wire__LeaseRef>?>?, _ count: Int, _ field: String
    ) throws -> [Wire.LeaseRef] {
        try array(pointer, count, "StepReduce", field, limit: Limits.maxLeasesPerStep).map { p in
            let r = try present(p, "StepReduce", field)
            return Wire.LeaseRef(leaseID: r.lease_id, workerID: r.worker_id, key: try curveKey(r.key, "StepReduce", field + ".key"))
        }
    }

    /// A `WireCompression` in its recipe form; empty is `none`.
    private static func compression(_ pointer: UnsafeMutablePointer<CChar>?, _ message: String) throws -> WireCompression {
        let text = try printableASCII(pointer, message, "compression", limit: Limits.maxNameBytes)
        guard !text.isEmpty else { return .none }
        do {
            return try WireCompression(recipeValue: text)
        } catch let error as CompressionError {
            throw WireError.invalidField(message: message, field: "compression", reason: error.description)
        }
    }

    /// A `tcp://`, `ipc://` or `inproc://` (in-process tests) endpoint in printable ASCII, empty only where
    /// `allowEmpty` (the coordinator itself).
    private static func endpoint(_ pointer: UnsafeMutablePointer<CChar>?, _ message: String, _ field: String, allowEmpty: Bool) throws -> String {
        let value = try printableASCII(pointer, message, field, limit: Limits.maxEndpointBytes)
        if value.isEmpty && allowEmpty { return value }
        guard let scheme = ["tcp://", "ipc://", "inproc://"].first(where: value.hasPrefix), value.count > scheme.count else {
            throw WireError.invalidField(message: message, field: field, reason: "\"\(value)\" is not a tcp://, ipc:// or inproc:// endpoint")
        }
        return value
    }

    private static func lease(_ m: Bfpo__Wire__Lease) throws -> Wire.Lease {
        func fail(_ field: String, _ reason: String) -> WireError { .invalidField(message: "Lease", field: field, reason: reason) }
        let kind: Wire.LeaseKind
        switch m.kind {
        case BFPO__WIRE__LEASE_KIND__LEASE_KIND_REFERENCE: kind = .reference
        case BFPO__WIRE__LEASE_KIND__LEASE_KIND_GRADIENT: kind = .gradient
        case BFPO__WIRE__LEASE_KIND__LEASE_KIND_EVAL: kind = .eval
        default: throw WireError.unknownEnumValue(message: "Lease", field: "kind", value: signed(m.kind.rawValue))
        }
        let versions = try array(m.shard_versions, m.n_shard_versions, "Lease", "shard_versions", limit: Limits.maxShards)
        let lengths = try array(m.sequence_lengths, m.n_sequence_lengths, "Lease", "sequence_lengths", limit: Limits.maxSequences)
        guard m.pairs >= 1 else { throw fail("pairs", "a lease must hold at least one pair") }
        guard UInt64(m.pairs) * 2 == UInt64(lengths.count) else {
            throw fail("sequence_lengths", "it has \(lengths.count) entries, but 2·pairs = \(UInt64(m.pairs) * 2)")
        }
        var tokens = 0
        for (i, length) in lengths.enumerated() {
            guard length >= 1 else { throw fail("sequence_lengths", "sequence \(i) has length 0") }
            tokens += Int(length)  // ≤ 2^20 entries of < 2^32: no overflow in Int64
        }
        guard tokens <= Limits.maxLeaseTokens else {
            throw fail("sequence_lengths", "they sum to \(tokens) tokens, more than the limit of \(Limits.maxLeaseTokens)")
        }
        guard m.normalizer.isFinite, m.normalizer > 0 else { throw fail("normalizer", "\(m.normalizer) is not finite and positive") }
        guard m.lease_ms >= 1 else { throw fail("lease_ms", "it must be at least 1") }
        guard m.buffer_pairs < m.pairs else {
            throw fail("buffer_pairs", "\(m.buffer_pairs) of \(m.pairs) pairs would leave no pair of the main data")
        }
        guard m.buffer_weight.isFinite, m.buffer_weight >= 0, m.buffer_pairs == 0 || m.buffer_weight > 0 else {
            throw fail("buffer_weight", "\(m.buffer_weight) is not a finite, non-negative weight (positive with buffer pairs)")
        }
        guard kind == .gradient || (m.hold_push == 0 && m.carries_lease_id == 0) else {
            throw fail("hold_push", "only a gradient lease holds or carries a push")
        }
        guard m.carries_lease_id != m.lease_id else { throw fail("carries_lease_id", "a lease cannot carry itself") }
        return Wire.Lease(
            leaseID: m.lease_id, batchID: m.batch_id, epoch: m.epoch, step: m.step, leaseMilliseconds: m.lease_ms,
            kind: kind, parameterSet: try parameterSet(m.parameter_set, "Lease"), shardVersions: versions,
            pairs: m.pairs, normalizer: m.normalizer, sequenceLengths: lengths,
            bufferPairs: m.buffer_pairs, bufferWeight: m.buffer_weight,
            holdPush: m.hold_push != 0, carriesLeaseID: m.carries_lease_id == 0 ? nil : m.carries_lease_id)
    }

    private static func gradientPush(_ m: Bfpo__Wire__GradientPush) throws -> Wire.GradientPush {
        let versions = try array(m.shard_versions, m.n_shard_versions, "GradientPush", "shard_versions", limit: Limits.maxShards)
        let sums = try present(m.metrics, "GradientPush", "metrics")
        let shardIDs = try array(m.shard_ids, m.n_shard_ids, "GradientPush", "shard_ids", limit: Limits.maxShards)
        try leaseFigures(batch: m.batch_id, tokens: m.tokens, computeSeconds: m.compute_seconds, "GradientPush")
        let carried = try m.carried.map { l -> Wire.CarriedLease in
            let l = l.pointee
            try leaseFigures(batch: l.batch_id, tokens: l.tokens, computeSeconds: l.compute_seconds, "CarriedLease")
            guard l.lease_id != m.lease_id else {
                throw WireError.invalidField(message: "CarriedLease", field: "lease_id", reason: "a lease cannot carry itself")
            }
            return Wire.CarriedLease(leaseID: l.lease_id, batchID: l.batch_id,
                                     metrics: try metrics(try present(l.metrics, "CarriedLease", "metrics"), "CarriedLease"),
                                     tokens: l.tokens, computeSeconds: l.compute_seconds)
        }
        return Wire.GradientPush(
            workerID: m.worker_id, leaseID: m.lease_id, batchID: m.batch_id, shardVersions: versions,
            metrics: try metrics(sums, "GradientPush"), tokens: m.tokens, computeSeconds: m.compute_seconds, shardIDs: shardIDs,
            carried: carried)
    }

    /// A lease's result figures: a batch id that is an index, tokens within a lease's, a finite,
    /// non-negative compute time. `message` names the carrier in errors.
    private static func leaseFigures(batch: UInt64, tokens: UInt64, computeSeconds: Double, _ message: String) throws {
        guard computeSeconds.isFinite, computeSeconds >= 0 else {
            throw WireError.invalidField(message: message, field: "compute_seconds", reason: "\(computeSeconds) is not finite and non-negative")
        }
        try batchID(batch, message)
        guard tokens <= UInt64(Limits.maxLeaseTokens) else {
            throw WireError.invalidField(message: message, field: "tokens", reason: "\(tokens) is above a lease's \(Limits.maxLeaseTokens)")
        }
    }

    /// A batch id fits a signed 64-bit index, so the coordinator's conversions cannot trap.
    private static func batchID(_ value: UInt64, _ message: String) throws {
        guard Int(exactly: value) != nil else {
            throw WireError.invalidField(message: message, field: "batch_id", reason: "\(value) is not a batch index")
        }
    }

    /// The proto's `MetricSums` → `PreferenceMetrics`, whose initializer checks the invariants; every sum
    /// within `Limits.metricMagnitudeLimit`, so that a step's (or an evaluation's) sum of them is finite. `message`
    /// (`GradientPush`, `EvalPush`) names the carrier in errors.
    private static func metrics(_ m: Bfpo__Wire__MetricSums, _ message: String) throws -> PreferenceMetrics {
        let sums = [m.loss_sum, m.chosen_reward_sum, m.rejected_reward_sum, m.safe_chosen_reward_sum, m.unsafe_chosen_reward_sum,
                    m.policy_chosen_logp_sum, m.policy_rejected_logp_sum]
        if let bad = sums.first(where: { !(abs($0) <= Limits.metricMagnitudeLimit) }) {
            throw WireError.invalidField(message: message, field: "metrics",
                                         reason: "a sum is \(bad), not a finite number within ±\(Limits.metricMagnitudeLimit)")
        }
        func count(_ value: UInt64, _ field: String) throws -> Int {
            guard let result = Int(exactly: value) else {
                throw WireError.invalidField(message: "MetricSums", field: field, reason: "\(value) does not fit in a signed 64-bit count")
            }
            return result
        }
        do {
            return try PreferenceMetrics(
                pairs: count(m.pairs, "pairs"), lossSum: m.loss_sum,
                chosenRewardSum: m.chosen_reward_sum, rejectedRewardSum: m.rejected_reward_sum,
                rankedPairs: count(m.ranked_pairs, "ranked_pairs"), accuratePairs: count(m.accurate_pairs, "accurate_pairs"),
                safeChosenPairs: count(m.safe_chosen_pairs, "safe_chosen_pairs"),
                safeChosenRewardSum: m.safe_chosen_reward_sum, unsafeChosenRewardSum: m.unsafe_chosen_reward_sum,
                policyChosenLogProbSum: m.policy_chosen_logp_sum, policyRejectedLogProbSum: m.policy_rejected_logp_sum)
        } catch let error as ObjectiveError {
            throw WireError.invalidField(message: message, field: "metrics", reason: error.description)
        }
    }

    private static func parameterSet(_ value: Bfpo__Wire__ParameterSet, _ message: String) throws -> Wire.ParameterSet {
        switch value {
        case BFPO__WIRE__PARAMETER_SET__PARAMETER_SET_POLICY: return .policy
        case BFPO__WIRE__PARAMETER_SET__PARAMETER_SET_REFERENCE: return .reference
        default: throw WireError.unknownEnumValue(message: message, field: "parameter_set", value: signed(value.rawValue))
        }
    }

    // MARK: Field helpers

    /// protobuf-c stores enums as C ints whatever the wire held; report them as the signed value sent.
    private static func signed<T: BinaryInteger>(_ raw: T) -> Int64 {
        Int64(Int32(truncatingIfNeeded: raw))
    }

    private static func present<T>(_ pointer: UnsafeMutablePointer<T>?, _ message: String, _ field: String) throws -> T {
        guard let pointer else { throw WireError.missingField(message: message, field: field) }
        return pointer.pointee
    }

    /// A CURVE public key field: empty (no CURVE) or 40 characters of valid Z85.
    private static func curveKey(_ pointer: UnsafeMutablePointer<CChar>?, _ message: String, _ field: String) throws -> String {
        let key = try string(pointer, message, field, limit: 40)
        guard key.isEmpty || CurveKey(z85: key) != nil else {
            throw WireError.invalidField(message: message, field: field, reason: "it is not a Z85 CURVE key")
        }
        return key
    }

    private static func string(_ pointer: UnsafeMutablePointer<CChar>?, _ message: String, _ field: String, limit: Int) throws -> String {
        guard let pointer else { return "" }
        let length = strlen(pointer)
        guard length <= limit else { throw WireError.tooLong(message: message, field: field, count: length, limit: limit) }
        guard let value = String(validatingCString: pointer) else { throw WireError.invalidUTF8(message: message, field: field) }
        return value
    }

    /// A string that goes into log lines as it is: bounded, and only printable ASCII (no control
    /// characters or escapes that could forge or garble a line).
    private static func printableASCII(_ pointer: UnsafeMutablePointer<CChar>?, _ message: String, _ field: String, limit: Int) throws -> String {
        let value = try string(pointer, message, field, limit: limit)
        let bytes = Array(value.utf8)
        if let offset = bytes.firstIndex(where: { !(0x20...0x7E).contains($0) }) {
            let byte = String(bytes[offset], radix: 16, uppercase: true)
            throw WireError.invalidField(message: message, field: field, reason: "byte \(offset) (0x\(byte)) is not printable ASCII")
        }
        return value
    }

    private static func array<T>(_ pointer: UnsafeMutablePointer<T>?, _ count: Int, _ message: String, _ field: String, limit: Int) throws -> [T] {
        guard count <= limit else { throw WireError.tooLong(message: message, field: field, count: count, limit: limit) }
        guard count > 0 else { return [] }
        guard let pointer else { throw WireError.missingField(message: message, field: field) }
        return Array(UnsafeBufferPointer(start: pointer, count: count))
    }

    private static func requireUnique(_ ids: [UInt32], _ message: String, _ field: String) throws {
        var seen = Set<UInt32>(minimumCapacity: ids.count)
        for id in ids where !seen.insert(id).inserted {
            throw WireError.invalidField(message: message, field: field, reason: "id \(id) appears more than once")
        }
    }
}
