import Foundation
import Testing
@testable import Shared

// The parameter-server bodies (Sources/Shared/Wire/ServerMessages.swift) and the fields that compression
// and shard servers added to Welcome, ShardRequest and ShardReply: round trips with exact values, and the
// exact `WireError` for each documented invariant a peer breaks.

private func roundTrip(_ body: WireBody, runID: String = "run-7") throws -> Envelope {
    let envelope = Envelope(runID: runID, body: body)
    let decoded = try WireCodec.decode(WireCodec.encode(envelope))
    #expect(decoded == envelope, "\(body.name) changed in a round trip")
    return decoded
}

/// Encodes `body` as this build would and decodes it again, so that `#expect(throws:)` sees the refusal.
private func decodeEncoded(_ body: WireBody) throws {
    _ = try WireCodec.decode(WireCodec.encode(Envelope(runID: "run-7", body: body)))
}

private func state(_ id: UInt32, offset: UInt64, count: UInt64, version: UInt64 = 0, steps: UInt64 = 0) -> Wire.ShardState {
    Wire.ShardState(shardID: id, offset: offset, count: count, version: version, optimizerSteps: steps)
}

private func assignment(_ shards: [Wire.ShardState], compression: WireCompression = .none) -> WireBody {
    .serverAssignment(Wire.ServerAssignment(
        serverID: 2, modelConfigJSON: #"{"model_type":"llama"}"#, optimizerJSON: #"{"beta1":0.9}"#, shards: shards,
        compression: compression))
}

private func welcome(shards: [Wire.ShardRange], endpoints: [String], compression: WireCompression = .none) throws -> Wire.Welcome {
    Wire.Welcome(
        workerID: 5, incarnation: 11, modelConfigJSON: "{}", objective: try Objective(kind: .bfpo), shards: shards,
        heartbeatMilliseconds: 500, leaseMilliseconds: 20_000, shardEndpoints: endpoints, compression: compression)
}

/// A ShardState message as ProtoBytes.
private func shardStateBytes(_ id: UInt32, offset: UInt64, count: UInt64) -> ProtoBytes {
    var s = ProtoBytes()
    s.field(1, varint: Int64(id))
    s.field(2, varint: Int64(bitPattern: offset))
    s.field(3, varint: Int64(bitPattern: count))
    return s
}

/// A ServerAssignment (Envelope field 24) of one valid shard whose compression field holds `compression`
/// verbatim, which `encode` (writing a `WireCompression`) never would for an invalid value.
private func assignmentBytes(compression: String) -> [UInt8] {
    var a = ProtoBytes()
    a.field(1, varint: 2)
    a.field(4, message: shardStateBytes(0, offset: 0, count: 8))
    a.field(5, string: compression)
    return ProtoBytes.envelope(bodyField: 24, body: a)
}

private func compressionRefusal(_ value: String, _ reason: String, message: String = "ServerAssignment") -> WireError {
    .invalidField(
        message: message, field: "compression",
        reason: "compression \"\(value)\" is invalid: \(reason); accepted: none, bf16, topk (fraction 0.01) or topk:F with 0 < F ≤ 1, "
            + "each optionally followed by +fp32, +bf16, +int8 or +int4 for the gradients")
}

extension WireTests {
    @Suite struct ServerCodec {
        // MARK: Round trips

        @Test func serverBodiesSurviveARoundTripWithExactValues() throws {
            _ = try roundTrip(.serverHello(Wire.ServerHello(serverName: "ps-0", endpoint: "tcp://10.0.0.7:5601")), runID: "")
            _ = try roundTrip(.serverHello(Wire.ServerHello(serverName: "", endpoint: "ipc:///tmp/bfpo-ps-1.sock")), runID: "")
            _ = try roundTrip(.serverHello(Wire.ServerHello(serverName: "in-process", endpoint: "inproc://ps-2")), runID: "")

            let shards = [
                state(4, offset: 100, count: 50, version: 9, steps: 8),
                state(0, offset: 0, count: 100, version: 0, steps: 0),
                state(UInt32.max, offset: UInt64.max - 1, count: 1, version: UInt64.max, steps: UInt64.max),
            ]
            for compression in [WireCompression.none, .bf16, .topK(fraction: 0.05)] {
                let decoded = try roundTrip(assignment(shards, compression: compression))
                guard case .serverAssignment(let a) = decoded.body else { Issue.record("not a ServerAssignment"); continue }
                #expect(a.compression == compression)
                #expect(a.shards == shards)
            }

            let lease = { (l: UInt64, w: UInt64) in Wire.LeaseRef(leaseID: l, workerID: w) }
            _ = try roundTrip(.stepReduce(Wire.StepReduce(
                serverID: 2, step: 41, leases: [lease(7, 1), lease(3, 2), lease(7, 2), lease(UInt64.max, 0)], dropped: [lease(9, 1)])))
            _ = try roundTrip(.stepReduce(Wire.StepReduce(serverID: 0, step: 0, leases: [], dropped: [])))
            _ = try roundTrip(.stepReduce(Wire.StepReduce(serverID: 1, step: 2, leases: [], dropped: [lease(1, 1), lease(1, 2)])))
            let key = try CurveKeyPair.generate().publicKey.z85
            let keyed = try roundTrip(.stepReduce(Wire.StepReduce(serverID: 1, step: 2, leases: [Wire.LeaseRef(leaseID: 4, workerID: 1, key: key)],
                                                                  dropped: [])))
            if case .stepReduce(let r) = keyed.body { #expect(r.leases.map(\.key) == [key]) }
            #expect(throws: WireError.invalidField(message: "StepReduce", field: "leases.key", reason: "it is not a Z85 CURVE key")) {
                try decodeEncoded(.stepReduce(Wire.StepReduce(serverID: 1, step: 2, leases: [Wire.LeaseRef(leaseID: 4, workerID: 1, key: "not a key")],
                                                              dropped: [])))
            }

            _ = try roundTrip(.stepReduced(Wire.StepReduced(
                serverID: 2, step: 41, sumsOfSquares: [0, 1.5, Double.greatestFiniteMagnitude, Double.leastNonzeroMagnitude])))
            let failed = try roundTrip(.stepReduced(Wire.StepReduced(
                serverID: 2, step: 41, sumsOfSquares: [], failure: "push of lease 7 by worker 1 never arrived")))
            if case .stepReduced(let r) = failed.body {
                #expect(r.sumsOfSquares == [])
                #expect(r.failure == "push of lease 7 by worker 1 never arrived")
            }

            let decoded = try roundTrip(.stepCommit(Wire.StepCommit(serverID: 3, step: 1_000, scale: 0.125, learningRate: 3e-5)))
            if case .stepCommit(let c) = decoded.body { #expect(c.step == 1_000 && c.scale == 0.125 && c.learningRate == 3e-5) }
            _ = try roundTrip(.stepCommit(Wire.StepCommit(serverID: 0, step: 0, scale: 0, learningRate: 0)))
            _ = try roundTrip(.stepCommit(Wire.StepCommit(
                serverID: 1, step: 1, scale: Float.greatestFiniteMagnitude, learningRate: Double.greatestFiniteMagnitude)))

            _ = try roundTrip(.stepCommitted(Wire.StepCommitted(
                serverID: 2, step: 41, shards: [Wire.ShardVersion(shardID: 4, version: 10), Wire.ShardVersion(shardID: 0, version: UInt64.max)])))
            _ = try roundTrip(.stepCommitted(Wire.StepCommitted(serverID: 2, step: 0, shards: [])))

            _ = try roundTrip(.stateRequest(Wire.StateRequest(serverID: UInt64.max)))
            _ = try roundTrip(.stateRequest(Wire.StateRequest(serverID: 0)))
            _ = try roundTrip(.stateReply(Wire.StateReply(serverID: 2, shards: shards)))
            _ = try roundTrip(.stateReply(Wire.StateReply(serverID: 2, shards: [])))
        }

        @Test func welcomeCarriesShardEndpointsAndCompression() throws {
            let shards = [
                Wire.ShardRange(shardID: 0, offset: 0, count: 10), Wire.ShardRange(shardID: 1, offset: 10, count: 10),
                Wire.ShardRange(shardID: 2, offset: 20, count: 10), Wire.ShardRange(shardID: 3, offset: 30, count: 10),
            ]
            let endpoints = ["", "tcp://ps-0.cluster:5601", "ipc:///run/bfpo/ps-1", "inproc://ps-2"]
            for compression in [WireCompression.none, .bf16, .topK(fraction: 0.05), .topK(fraction: 1)] {
                let decoded = try roundTrip(.welcome(try welcome(shards: shards, endpoints: endpoints, compression: compression)))
                guard case .welcome(let w) = decoded.body else { Issue.record("not a Welcome"); continue }
                #expect(w.shardEndpoints == endpoints)
                #expect(w.compression == compression)
            }
            // Every shard on the coordinator, said either way.
            _ = try roundTrip(.welcome(try welcome(shards: shards, endpoints: [])))
            _ = try roundTrip(.welcome(try welcome(shards: shards, endpoints: ["", "", "", ""])))
        }

        @Test func compressionTextOnTheWireIsParsedAsTheRecipeValue() throws {
            func decoded(_ text: String) throws -> WireCompression {
                guard case .serverAssignment(let a) = try WireCodec.decode(assignmentBytes(compression: text)).body else {
                    Issue.record("not a ServerAssignment")
                    return .none
                }
                return a.compression
            }
            #expect(try decoded("") == WireCompression.none)  // an older coordinator that does not say
            #expect(try decoded("none") == WireCompression.none)
            #expect(try decoded("bf16") == WireCompression.bf16)
            #expect(try decoded("topk") == WireCompression.topK(fraction: 0.01))
            #expect(try decoded("topk:0.05") == WireCompression.topK(fraction: 0.05))
            #expect(try decoded("topk:1") == WireCompression.topK(fraction: 1))
            #expect(WireCompression.topK(fraction: 0.05).description == "topk:0.05")
        }

        @Test func shardRequestHeldVersionsTravelAsVersionPlusOne() throws {
            let held: [UInt64?] = [nil, 0, 1, UInt64.max - 1, nil]
            let decoded = try roundTrip(.shardRequest(Wire.ShardRequest(
                workerID: 9, parameterSet: .policy, shardIDs: [0, 1, 2, 3, 4], heldVersions: held)))
            guard case .shardRequest(let r) = decoded.body else { Issue.record("not a ShardRequest"); return }
            #expect(r.heldVersions == held)
            _ = try roundTrip(.shardRequest(Wire.ShardRequest(workerID: 9, parameterSet: .reference, shardIDs: [3], heldVersions: [nil])))
            _ = try roundTrip(.shardRequest(Wire.ShardRequest(workerID: 9, parameterSet: .policy, shardIDs: [3], heldVersions: [0])))
            _ = try roundTrip(.shardRequest(Wire.ShardRequest(workerID: 9, parameterSet: .policy, shardIDs: [], heldVersions: [])))

            // On the wire: 0 is "none held", n is version n − 1.
            var request = ProtoBytes()
            request.field(1, varint: 9)
            request.field(2, varint: 1)  // policy
            request.field(3, packed: [0, 1, 2])
            request.field(4, packed: [0, 1, UInt64.max])
            let wire = try WireCodec.decode(ProtoBytes.envelope(bodyField: 16, body: request))
            #expect(wire.body == .shardRequest(Wire.ShardRequest(
                workerID: 9, parameterSet: .policy, shardIDs: [0, 1, 2], heldVersions: [nil, 0, UInt64.max - 1])))
        }

        @Test func shardReplyCarriesUpdateCounts() throws {
            let shards = [
                Wire.ShardVersion(shardID: 0, version: 5), Wire.ShardVersion(shardID: 1, version: 0),
                Wire.ShardVersion(shardID: 2, version: 64), Wire.ShardVersion(shardID: 3, version: UInt64.max),
            ]
            let counts: [UInt32] = [5, 0, UInt32(Wire.Limits.maxUpdatesPerShard), 1]
            let decoded = try roundTrip(.shardReply(Wire.ShardReply(parameterSet: .policy, shards: shards, updateCounts: counts)))
            guard case .shardReply(let r) = decoded.body else { Issue.record("not a ShardReply"); return }
            #expect(r.updateCounts == counts)
            _ = try roundTrip(.shardReply(Wire.ShardReply(parameterSet: .reference, shards: shards, updateCounts: [0, 0, 0, 0])))
            _ = try roundTrip(.shardReply(Wire.ShardReply(parameterSet: .reference, shards: shards)))
        }

        // MARK: Refusals

        @Test func serverHelloEndpointMustBeAPrintableTcpIpcOrInprocEndpoint() {
            func hello(_ endpoint: String) -> WireBody { .serverHello(Wire.ServerHello(serverName: "ps", endpoint: endpoint)) }
            func notAnEndpoint(_ value: String) -> WireError {
                .invalidField(message: "ServerHello", field: "endpoint", reason: "\"\(value)\" is not a tcp://, ipc:// or inproc:// endpoint")
            }
            for bad in ["", "http://host:80", "udp://host:5601", "TCP://host:5601", "host:5601", "tcp://", "ipc://", "inproc://", " tcp://h:1"] {
                #expect(throws: notAnEndpoint(bad), "endpoint \"\(bad)\"") { try decodeEncoded(hello(bad)) }
            }
            #expect(throws: WireError.invalidField(message: "ServerHello", field: "endpoint", reason: "byte 10 (0xA) is not printable ASCII")) {
                try decodeEncoded(hello("tcp://host\n[coordinator] forged line"))
            }
            #expect(throws: WireError.invalidField(message: "ServerHello", field: "endpoint", reason: "byte 8 (0x7F) is not printable ASCII")) {
                try decodeEncoded(hello("ipc://ab\u{7F}"))
            }
            #expect(throws: WireError.invalidField(message: "ServerHello", field: "endpoint", reason: "byte 6 (0xC3) is not printable ASCII")) {
                try decodeEncoded(hello("tcp://é:1"))
            }
            var invalid = ProtoBytes()
            invalid.field(1, string: "ps")
            invalid.field(2, bytes: Array("tcp://h".utf8) + [0xFF, 0xFE])
            #expect(throws: WireError.invalidUTF8(message: "ServerHello", field: "endpoint")) {
                _ = try WireCodec.decode(ProtoBytes.envelope(runID: "", bodyField: 23, body: invalid))
            }

            let prefix = "tcp://"
            let longest = prefix + String(repeating: "h", count: Wire.Limits.maxEndpointBytes - prefix.utf8.count)
            #expect(throws: Never.self) { try decodeEncoded(hello(longest)) }
            #expect(throws: WireError.tooLong(message: "ServerHello", field: "endpoint", count: 1025, limit: 1024)) {
                try decodeEncoded(hello(longest + "h"))
            }
            #expect(throws: WireError.invalidField(message: "ServerHello", field: "server_name", reason: "byte 2 (0x9) is not printable ASCII")) {
                try decodeEncoded(.serverHello(Wire.ServerHello(serverName: "ps\t0", endpoint: "tcp://h:1")))
            }
        }

        @Test func serverAssignmentShardsMustBeANonEmptyDisjointLayout() {
            func fail(_ reason: String, field: String = "shards") -> WireError {
                .invalidField(message: "ServerAssignment", field: field, reason: reason)
            }
            #expect(throws: fail("a server must own at least one shard")) { try decodeEncoded(assignment([])) }
            #expect(throws: fail("id 3 appears more than once", field: "shards.shard_id")) {
                try decodeEncoded(assignment([state(3, offset: 0, count: 4), state(1, offset: 4, count: 4), state(3, offset: 8, count: 4)]))
            }
            #expect(throws: fail("shards 1 and 0 overlap")) {
                try decodeEncoded(assignment([state(0, offset: 10, count: 5), state(1, offset: 0, count: 11)]))
            }
            #expect(throws: fail("shards 0 and 2 overlap")) {  // a shard inside another, past a disjoint one
                try decodeEncoded(assignment([state(0, offset: 0, count: 100), state(1, offset: 200, count: 1), state(2, offset: 50, count: 1)]))
            }
            #expect(throws: fail("shard 2 has count 0")) {
                try decodeEncoded(assignment([state(1, offset: 0, count: 4), state(2, offset: 4, count: 0)]))
            }
            #expect(throws: fail("shard 1 ends beyond 2^64 (offset 18446744073709551615, count 2)")) {
                try decodeEncoded(assignment([state(1, offset: UInt64.max, count: 2)]))
            }
            #expect(throws: fail("shard 7 ends beyond 2^64 (offset 1, count 18446744073709551615)")) {
                try decodeEncoded(assignment([state(7, offset: 1, count: UInt64.max)]))
            }
            // Touching ranges, the last ending at UInt64.max, are fine.
            #expect(throws: Never.self) {
                try decodeEncoded(assignment([state(0, offset: 0, count: 4), state(1, offset: 4, count: UInt64.max - 4)]))
            }
            // The same layout rules hold for a StateReply.
            #expect(throws: WireError.invalidField(message: "StateReply", field: "shards", reason: "shards 0 and 1 overlap")) {
                try decodeEncoded(.stateReply(Wire.StateReply(serverID: 1, shards: [state(0, offset: 0, count: 2), state(1, offset: 1, count: 2)])))
            }
        }

        @Test func serverAssignmentRefusesAnUnknownCompression() {
            #expect(throws: compressionRefusal("zip", "it is not one of the accepted forms")) {
                _ = try WireCodec.decode(assignmentBytes(compression: "zip"))
            }
            #expect(throws: compressionRefusal("topk:0", "the fraction must be greater than 0 and at most 1")) {
                _ = try WireCodec.decode(assignmentBytes(compression: "topk:0"))
            }
            #expect(throws: compressionRefusal("topk:2", "the fraction must be greater than 0 and at most 1")) {
                _ = try WireCodec.decode(assignmentBytes(compression: "topk:2"))
            }
            #expect(throws: compressionRefusal("topk:nan", "the fraction must be greater than 0 and at most 1")) {
                _ = try WireCodec.decode(assignmentBytes(compression: "topk:nan"))
            }
            #expect(throws: compressionRefusal("topk:x", "\"x\" is not a number")) {
                _ = try WireCodec.decode(assignmentBytes(compression: "topk:x"))
            }
            #expect(throws: compressionRefusal("topk:0.01+int3", "\"int3\" is not a gradient form")) {
                _ = try WireCodec.decode(assignmentBytes(compression: "topk:0.01+int3"))
            }
            #expect(throws: WireError.invalidField(message: "ServerAssignment", field: "compression", reason: "byte 4 (0xA) is not printable ASCII")) {
                _ = try WireCodec.decode(assignmentBytes(compression: "bf16\n"))
            }
            // Welcome reads the same field the same way.
            var w = ProtoBytes()
            w.field(4, string: "bfpo")
            w.field(5, double: 0.01)
            w.field(6, double: 3)
            w.field(7, double: 0.5)
            w.field(8, message: shardStateBytes(0, offset: 0, count: 8))  // ShardRange shares ShardState's first three fields
            w.field(9, varint: 1000)
            w.field(10, varint: 1000)
            w.field(12, string: "zip")
            #expect(throws: compressionRefusal("zip", "it is not one of the accepted forms", message: "Welcome")) {
                _ = try WireCodec.decode(ProtoBytes.envelope(bodyField: 11, body: w))
            }
        }

        @Test func stepReduceListsEachLeaseOnce() {
            let a = Wire.LeaseRef(leaseID: 5, workerID: 2)
            let b = Wire.LeaseRef(leaseID: 5, workerID: 3)  // same lease id, another worker: a different push
            func reduce(_ leases: [Wire.LeaseRef], _ dropped: [Wire.LeaseRef]) -> WireBody {
                .stepReduce(Wire.StepReduce(serverID: 1, step: 3, leases: leases, dropped: dropped))
            }
            // The field named is the one where the repeat is found.
            func twice(in field: String) -> WireError {
                .invalidField(message: "StepReduce", field: field, reason: "lease 5 of worker 2 is listed twice")
            }
            #expect(throws: twice(in: "leases")) { try decodeEncoded(reduce([a, b, a], [])) }
            #expect(throws: twice(in: "dropped")) { try decodeEncoded(reduce([a], [a])) }
            #expect(throws: twice(in: "dropped")) { try decodeEncoded(reduce([b], [a, a])) }
            #expect(throws: Never.self) { try decodeEncoded(reduce([a], [b])) }
        }

        @Test func stepReducedSumsAreFiniteNonNegativeAndAbsentOnFailure() {
            func reduced(_ sums: [Double], failure: String = "") -> WireBody {
                .stepReduced(Wire.StepReduced(serverID: 1, step: 3, sumsOfSquares: sums, failure: failure))
            }
            func bad(_ text: String) -> WireError {
                .invalidField(message: "StepReduced", field: "sums_of_squares", reason: "\(text) is not finite and non-negative")
            }
            #expect(throws: bad("-1.0")) { try decodeEncoded(reduced([2, -1])) }
            #expect(throws: bad("-5e-324")) { try decodeEncoded(reduced([-Double.leastNonzeroMagnitude])) }
            #expect(throws: bad("nan")) { try decodeEncoded(reduced([.nan])) }
            #expect(throws: bad("inf")) { try decodeEncoded(reduced([1, .infinity])) }
            #expect(throws: bad("-inf")) { try decodeEncoded(reduced([-.infinity])) }
            #expect(throws: WireError.invalidField(message: "StepReduced", field: "sums_of_squares", reason: "a failed reduction carries no sums")) {
                try decodeEncoded(reduced([1, 2], failure: "lease 5 missing"))
            }
            #expect(throws: WireError.tooLong(message: "StepReduced", field: "failure", count: 4097, limit: 4096)) {
                try decodeEncoded(reduced([], failure: String(repeating: "f", count: Wire.Limits.maxReasonBytes + 1)))
            }
        }

        @Test func stepCommitScaleAndLearningRateAreFiniteAndNonNegative() {
            func commit(scale: Float = 1, learningRate: Double = 1e-5) -> WireBody {
                .stepCommit(Wire.StepCommit(serverID: 1, step: 3, scale: scale, learningRate: learningRate))
            }
            func bad(_ field: String, _ text: String) -> WireError {
                .invalidField(message: "StepCommit", field: field, reason: "\(text) is not finite and non-negative")
            }
            #expect(throws: bad("scale", "nan")) { try decodeEncoded(commit(scale: .nan)) }
            #expect(throws: bad("scale", "-0.5")) { try decodeEncoded(commit(scale: -0.5)) }
            #expect(throws: bad("scale", "inf")) { try decodeEncoded(commit(scale: .infinity)) }
            #expect(throws: bad("learning_rate", "nan")) { try decodeEncoded(commit(learningRate: .nan)) }
            #expect(throws: bad("learning_rate", "-0.25")) { try decodeEncoded(commit(learningRate: -0.25)) }
            #expect(throws: bad("learning_rate", "inf")) { try decodeEncoded(commit(learningRate: .infinity)) }
            // Scale is checked first.
            #expect(throws: bad("scale", "nan")) { try decodeEncoded(commit(scale: .nan, learningRate: .nan)) }
        }

        @Test func welcomeNeedsOneEndpointPerShard() throws {
            let shards = [Wire.ShardRange(shardID: 0, offset: 0, count: 4), Wire.ShardRange(shardID: 1, offset: 4, count: 4)]
            #expect(throws: WireError.invalidField(message: "Welcome", field: "shard_endpoints", reason: "it has 1 entries for 2 shards")) {
                try decodeEncoded(.welcome(try welcome(shards: shards, endpoints: ["tcp://h:1"])))
            }
            #expect(throws: WireError.invalidField(message: "Welcome", field: "shard_endpoints", reason: "it has 3 entries for 2 shards")) {
                try decodeEncoded(.welcome(try welcome(shards: shards, endpoints: ["", "", ""])))
            }
            #expect(throws: WireError.invalidField(message: "Welcome", field: "shard_endpoints", reason: "it has 1 entries for 0 shards")) {
                try decodeEncoded(.welcome(try welcome(shards: [], endpoints: [""])))
            }
            #expect(throws: WireError.invalidField(
                message: "Welcome", field: "shard_endpoints", reason: "\"http://h:1\" is not a tcp://, ipc:// or inproc:// endpoint")) {
                try decodeEncoded(.welcome(try welcome(shards: shards, endpoints: ["", "http://h:1"])))
            }
        }

        @Test func shardRequestNeedsOneHeldVersionPerShardOrNone() {
            func request(_ ids: [UInt32], _ held: [UInt64?]) -> WireBody {
                .shardRequest(Wire.ShardRequest(workerID: 1, parameterSet: .policy, shardIDs: ids, heldVersions: held))
            }
            #expect(throws: WireError.invalidField(message: "ShardRequest", field: "held_versions", reason: "it has 1 entries for 2 shards")) {
                try decodeEncoded(request([0, 1], [4]))
            }
            #expect(throws: WireError.invalidField(message: "ShardRequest", field: "held_versions", reason: "it has 3 entries for 2 shards")) {
                try decodeEncoded(request([0, 1], [nil, nil, 2]))
            }
            #expect(throws: WireError.invalidField(message: "ShardRequest", field: "held_versions", reason: "it has 1 entries for 0 shards")) {
                try decodeEncoded(request([], [nil]))
            }
            var tooMany = ProtoBytes()
            tooMany.field(2, varint: 1)
            tooMany.field(3, packed: [0])
            tooMany.field(4, packed: [UInt64](repeating: 0, count: Wire.Limits.maxShards + 1))
            #expect(throws: WireError.tooLong(message: "ShardRequest", field: "held_versions", count: 65_537, limit: 65_536)) {
                _ = try WireCodec.decode(ProtoBytes.envelope(bodyField: 16, body: tooMany))
            }
        }

        @Test func shardReplyUpdateCountsMatchShardsAndVersions() {
            func reply(_ shards: [(UInt32, UInt64)], _ counts: [UInt32]) -> WireBody {
                .shardReply(Wire.ShardReply(
                    parameterSet: .policy, shards: shards.map { Wire.ShardVersion(shardID: $0.0, version: $0.1) }, updateCounts: counts))
            }
            func fail(_ reason: String) -> WireError { .invalidField(message: "ShardReply", field: "update_counts", reason: reason) }
            #expect(throws: fail("it has 1 entries for 2 shards")) { try decodeEncoded(reply([(0, 3), (1, 3)], [1])) }
            #expect(throws: fail("it has 3 entries for 2 shards")) { try decodeEncoded(reply([(0, 3), (1, 3)], [1, 1, 1])) }
            #expect(throws: fail("3 updates for shard 7 at version 2")) { try decodeEncoded(reply([(0, 9), (7, 2)], [0, 3])) }
            #expect(throws: fail("1 updates for shard 4 at version 0")) { try decodeEncoded(reply([(4, 0)], [1])) }
            #expect(throws: fail("65 updates for shard 1 at version 1000")) { try decodeEncoded(reply([(1, 1000)], [65])) }
            #expect(throws: fail("4294967295 updates for shard 1 at version 18446744073709551615")) {
                try decodeEncoded(reply([(1, UInt64.max)], [UInt32.max]))
            }
        }

        /// Valid server-layer headers with a few bytes overwritten reach the field checks: each is refused
        /// with a `WireError` or decodes to a value that survives another round trip unchanged.
        @Test func mutatedServerHeadersAreRefusedOrDecodeToValidValues() throws {
            let lease = Wire.LeaseRef(leaseID: 7, workerID: 1)
            let bodies: [WireBody] = [
                .serverHello(Wire.ServerHello(serverName: "ps-0", endpoint: "tcp://10.0.0.7:5601")),
                assignment([state(0, offset: 0, count: 100, version: 3, steps: 3), state(1, offset: 100, count: 7)], compression: .topK(fraction: 0.05)),
                .stepReduce(Wire.StepReduce(serverID: 2, step: 41, leases: [lease, Wire.LeaseRef(leaseID: 8, workerID: 2)], dropped: [Wire.LeaseRef(leaseID: 9, workerID: 1)])),
                .stepReduced(Wire.StepReduced(serverID: 2, step: 41, sumsOfSquares: [0.5, 12])),
                .stepReduced(Wire.StepReduced(serverID: 2, step: 41, sumsOfSquares: [], failure: "lost")),
                .stepCommit(Wire.StepCommit(serverID: 2, step: 41, scale: 0.5, learningRate: 1e-5)),
                .stepCommitted(Wire.StepCommitted(serverID: 2, step: 41, shards: [Wire.ShardVersion(shardID: 0, version: 42), Wire.ShardVersion(shardID: 1, version: 42)])),
                .stateReply(Wire.StateReply(serverID: 2, shards: [state(0, offset: 0, count: 100, version: 3, steps: 3)])),
                .welcome(try welcome(
                    shards: [Wire.ShardRange(shardID: 0, offset: 0, count: 8), Wire.ShardRange(shardID: 1, offset: 8, count: 8)],
                    endpoints: ["", "tcp://ps-0:5601"], compression: .bf16)),
                .shardRequest(Wire.ShardRequest(workerID: 3, parameterSet: .policy, shardIDs: [0, 1], heldVersions: [nil, 4])),
                .shardReply(Wire.ShardReply(
                    parameterSet: .policy, shards: [Wire.ShardVersion(shardID: 0, version: 5), Wire.ShardVersion(shardID: 1, version: 9)],
                    updateCounts: [0, 2])),
            ]
            var random = TestRandom(seed: 23)
            var decodedCount = 0
            var refusedCount = 0
            for body in bodies {
                let header = WireCodec.encode(Envelope(runID: "run", body: body))
                for _ in 0..<200 {
                    var bytes = header
                    for _ in 0..<Int.random(in: 1...3, using: &random) {
                        bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
                    }
                    do {
                        let decoded = try WireCodec.decode(bytes)
                        decodedCount += 1
                        #expect(try WireCodec.decode(WireCodec.encode(decoded)) == decoded, "\(decoded.body.name) decoded from mutated bytes")
                    } catch is WireError {
                        refusedCount += 1
                    } catch {
                        Issue.record("decode threw a non-WireError: \(error)")
                    }
                }
            }
            #expect(decodedCount + refusedCount == bodies.count * 200)
            #expect(refusedCount > 0)
        }

        // MARK: Frames

        @Test func shardReplyFrameCountFollowsUpdateCounts() {
            let shards = (0..<5).map { Wire.ShardVersion(shardID: UInt32($0), version: 100) }
            #expect(Wire.ShardReply(parameterSet: .policy, shards: shards).frameCount == 5)
            #expect(Wire.ShardReply(parameterSet: .policy, shards: shards, updateCounts: [0, 0, 0, 0, 0]).frameCount == 5)
            // A whole shard is one frame; n updates are n frames.
            #expect(Wire.ShardReply(parameterSet: .policy, shards: shards, updateCounts: [0, 3, 1, 0, 64]).frameCount == 1 + 3 + 1 + 1 + 64)
            #expect(Wire.ShardReply(parameterSet: .policy, shards: Array(shards.prefix(2)), updateCounts: [2, 2]).frameCount == 4)
            #expect(Wire.ShardReply(parameterSet: .policy, shards: []).frameCount == 0)
        }
    }
}
