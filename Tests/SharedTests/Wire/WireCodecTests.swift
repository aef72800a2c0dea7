import Foundation
import Testing
@testable import Shared

private func roundTrip(_ body: WireBody, runID: String = "run-2025-01") throws -> Envelope {
    let envelope = Envelope(runID: runID, body: body)
    let decoded = try WireCodec.decode(WireCodec.encode(envelope))
    #expect(decoded == envelope, "\(body.name) changed in a round trip")
    return decoded
}

private func sampleMetrics() throws -> PreferenceMetrics {
    try PreferenceMetrics(
        pairs: 8, lossSum: 12.5, chosenRewardSum: -0.25, rejectedRewardSum: 0.125, rankedPairs: 7, accuratePairs: 5,
        safeChosenPairs: 3, safeChosenRewardSum: 0.0625, unsafeChosenRewardSum: -0.3125,
        policyChosenLogProbSum: -123.5, policyRejectedLogProbSum: -456.75)
}

private func sampleLease(kind: Wire.LeaseKind = .gradient) -> Wire.Lease {
    Wire.Lease(
        leaseID: 41, batchID: UInt64.max, epoch: 2, step: 1_000_000_007, leaseMilliseconds: 30_000, kind: kind,
        parameterSet: kind == .gradient ? .policy : .reference, shardVersions: [0, 5, UInt64.max], pairs: 2,
        normalizer: 4, sequenceLengths: [7, 9, 1, UInt32(1 << 20)])
}

extension WireTests {
    @Suite struct Codec {
        @Test func everyMessageSurvivesARoundTripWithExactValues() throws {
            _ = try roundTrip(.register(Wire.Register(workerName: "node-7/worker-3 ✓", threads: 16)), runID: "")
            _ = try roundTrip(.register(Wire.Register(workerName: "w", threads: 2, blasCore: "Cooperlake")), runID: "")
            _ = try roundTrip(.welcome(Wire.Welcome(
                workerID: 3, incarnation: 0xDEAD_BEEF_CAFE, modelConfigJSON: #"{"model_type":"gpt2","n_layer":2}"#,
                objective: try Objective(kind: .ipo, parameters: ObjectiveParameters(beta: 0.1, b1: 2.5, alpha: -0.25)),
                shards: [Wire.ShardRange(shardID: 0, offset: 0, count: 10), Wire.ShardRange(shardID: 1, offset: 10, count: UInt64(1) << 40)],
                heartbeatMilliseconds: 1000, leaseMilliseconds: 60_000)))
            _ = try roundTrip(.refused(Wire.Refused(reason: "unknown worker 9", registerAgain: true)))
            _ = try roundTrip(.workRequest(Wire.WorkRequest(workerID: UInt64.max)))
            _ = try roundTrip(.workRequest(Wire.WorkRequest(workerID: 3, ahead: true)))
            _ = try roundTrip(.lease(sampleLease()))
            _ = try roundTrip(.lease(sampleLease(kind: .reference)))
            _ = try roundTrip(.lease(sampleLease(kind: .eval)))
            var holding = sampleLease(), carrying = sampleLease()
            holding.holdPush = true
            carrying.carriesLeaseID = 40
            _ = try roundTrip(.lease(holding))
            _ = try roundTrip(.lease(carrying))
            _ = try roundTrip(.wait(Wire.Wait(retryMilliseconds: 250)))
            _ = try roundTrip(.shardRequest(Wire.ShardRequest(workerID: 4, parameterSet: .reference, shardIDs: [3, 0, 65_535])))
            _ = try roundTrip(.shardReply(Wire.ShardReply(
                parameterSet: .policy, shards: [Wire.ShardVersion(shardID: 2, version: 17), Wire.ShardVersion(shardID: 0, version: 0)])))
            let push = try roundTrip(.gradientPush(Wire.GradientPush(
                workerID: 3, leaseID: 41, batchID: 12, shardVersions: [5, 6], metrics: try sampleMetrics(), tokens: 4096,
                computeSeconds: 1.75, shardIDs: [1, 0])))
            if case .gradientPush(let p) = push.body { #expect(p.metrics.means()["loss"] == 12.5 / 8 && p.shardIDs == [1, 0]) }
            _ = try roundTrip(.gradientPush(Wire.GradientPush(
                workerID: 3, leaseID: 42, batchID: 13, shardVersions: [5, 6], metrics: try sampleMetrics(), tokens: 100, computeSeconds: 1,
                carried: Wire.CarriedLease(leaseID: 41, batchID: 12, metrics: try sampleMetrics(), tokens: 4096, computeSeconds: 1.5))))
            _ = try roundTrip(.referencePush(Wire.ReferencePush(workerID: 1, leaseID: 2, batchID: 3)))
            let eval = try roundTrip(.evalPush(Wire.EvalPush(workerID: 3, leaseID: 42, batchID: 7, shardVersions: [9, 0], metrics: try sampleMetrics())))
            if case .evalPush(let p) = eval.body { #expect(p.metrics.means()["rewards/accuracies"] == 5.0 / 7) }
            _ = try roundTrip(.pushReply(Wire.PushReply(leaseID: 41, accepted: false, reason: "gradient frame 2 holds NaN")))
            _ = try roundTrip(.heartbeat(Wire.Heartbeat(workerID: 77)))
            _ = try roundTrip(.stop(Wire.Stop(reason: "run complete")))
        }

        @Test func defaultValuedFieldsSurviveTooBecauseProto3OmitsThem() throws {
            _ = try roundTrip(.pushReply(Wire.PushReply(leaseID: 0, accepted: false, reason: "")))
            _ = try roundTrip(.gradientPush(Wire.GradientPush(
                workerID: 0, leaseID: 0, batchID: 0, shardVersions: [], metrics: PreferenceMetrics(), tokens: 0, computeSeconds: 0)))
            _ = try roundTrip(.stop(Wire.Stop(reason: "")), runID: "")
            _ = try roundTrip(.evalPush(Wire.EvalPush(workerID: 0, leaseID: 0, batchID: 0, shardVersions: [], metrics: PreferenceMetrics())))
        }

        /// An eval push's numbers are checked as a gradient push's are: every sum finite and within ±1e30,
        /// counts consistent and within Int64, the batch id an index, the metrics present.
        @Test func evalPushMetricsAreBoundedFiniteAndConsistent() throws {
            func push(batch: UInt64 = 1, _ edit: (inout ProtoBytes) -> Void) -> [UInt8] {
                var m = ProtoBytes()
                edit(&m)
                var p = ProtoBytes()
                p.field(3, varint: Int64(bitPattern: batch))
                p.field(5, message: m)
                return ProtoBytes.envelope(bodyField: 31, body: p)
            }
            for bad: (inout ProtoBytes) -> Void in [
                { $0.field(1, varint: 2); $0.field(5, varint: 3) },                  // ranked > pairs
                { $0.field(1, varint: 2); $0.field(2, double: .nan) },
                { $0.field(1, varint: 2); $0.field(10, double: -.infinity) },
                { $0.field(1, varint: 2); $0.field(3, double: 2e30) },                // beyond ±1e30
                { $0.field(1, varint: -1) },                                         // 2^64 − 1 pairs
            ] {
                #expect(throws: WireError.self) { _ = try WireCodec.decode(push(bad)) }
            }
            #expect(throws: WireError.invalidField(message: "EvalPush", field: "metrics",
                                                   reason: "a sum is inf, not a finite number within ±1e+30")) {
                _ = try WireCodec.decode(push { $0.field(1, varint: 2); $0.field(2, double: .infinity) })
            }
            #expect(throws: WireError.invalidField(message: "EvalPush", field: "batch_id", reason: "18446744073709551615 is not a batch index")) {
                _ = try WireCodec.decode(push(batch: .max) { $0.field(1, varint: 2) })
            }
            var missing = ProtoBytes()
            missing.field(1, varint: 3)
            #expect(throws: WireError.missingField(message: "EvalPush", field: "metrics")) {
                _ = try WireCodec.decode(ProtoBytes.envelope(bodyField: 31, body: missing))
            }
            let decoded = try WireCodec.decode(push { $0.field(1, varint: 2); $0.field(2, double: 1e30) })
            guard case .evalPush(let good) = decoded.body else { throw WireError.missingBody }
            #expect(good.metrics.pairs == 2 && good.metrics.lossSum == 1e30 && good.batchID == 1)
        }

        @Test func randomGarbageAndMutatedHeadersAreRefusedNeverACrash() throws {
            var random = TestRandom(seed: 7)
            var outcomes = [String: Int]()
            func attempt(_ bytes: [UInt8]) {
                do {
                    _ = try WireCodec.decode(bytes)
                    outcomes["decoded and valid", default: 0] += 1
                } catch let error as WireError {
                    outcomes[String(String(describing: error).prefix(24)), default: 0] += 1
                } catch {
                    Issue.record("decode threw a non-WireError: \(error)")
                }
            }
            for length in [1, 2, 3, 7, 16, 64, 1000] {
                for _ in 0..<100 { attempt((0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }) }
            }
            // Valid headers with a few bytes overwritten reach the field checks, not just the parser.
            let valid = [
                WireCodec.encode(Envelope(runID: "run", body: .lease(sampleLease()))),
                WireCodec.encode(Envelope(runID: "run", body: .gradientPush(Wire.GradientPush(
                    workerID: 3, leaseID: 41, batchID: 12, shardVersions: [5, 6], metrics: try sampleMetrics(), tokens: 4096,
                    computeSeconds: 1.75)))),
                WireCodec.encode(Envelope(runID: "run", body: .welcome(Wire.Welcome(
                    workerID: 1, incarnation: 2, modelConfigJSON: "{}", objective: try Objective(kind: .dpo),
                    shards: [Wire.ShardRange(shardID: 0, offset: 0, count: 10)], heartbeatMilliseconds: 5, leaseMilliseconds: 5)))),
            ]
            for header in valid {
                for _ in 0..<300 {
                    var bytes = header
                    for _ in 0..<Int.random(in: 1...3, using: &random) {
                        bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
                    }
                    attempt(bytes)
                }
            }
            print("decode outcomes of 1600 corrupted headers:", outcomes.sorted { $0.key < $1.key })
            #expect(outcomes.values.reduce(0, +) == 1600)
        }

        @Test func everyTruncationOfAValidHeaderIsRefusedOrDecodedNeverACrash() throws {
            let full = WireCodec.encode(Envelope(runID: "run", body: .lease(sampleLease())))
            for cut in 0..<full.count {
                #expect(throws: WireError.self, "a header cut to \(cut) of \(full.count) bytes was accepted") {
                    _ = try WireCodec.decode(Array(full[..<cut]))
                }
            }
        }

        @Test func anOversizeHeaderIsRefusedBeforeParsing() {
            let bytes = [UInt8](repeating: 0, count: Wire.Limits.maxHeaderBytes + 1)
            #expect(throws: WireError.headerTooLarge(bytes: bytes.count, limit: Wire.Limits.maxHeaderBytes)) {
                _ = try WireCodec.decode(bytes)
            }
        }

        @Test func anEnvelopeWithoutBodyIsRefused() {
            var e = ProtoBytes()
            e.field(1, varint: Int64(Wire.protocolVersion))
            e.field(2, string: "run")
            #expect(throws: WireError.missingBody) { _ = try WireCodec.decode(e.bytes) }
            // Empty bytes are a valid empty envelope, whose version 0 is refused before the missing body.
            #expect(throws: WireError.protocolVersionMismatch(received: 0, expected: Wire.protocolVersion)) { _ = try WireCodec.decode([]) }
        }

        @Test func anotherProtocolVersionIsRefusedButItsRefusedIsRead() throws {
            let next = Wire.protocolVersion + 1
            let newer = WireCodec.encode(Envelope(protocolVersion: next, runID: "run", body: .heartbeat(Wire.Heartbeat(workerID: 1))))
            #expect(throws: WireError.protocolVersionMismatch(received: next, expected: Wire.protocolVersion)) { _ = try WireCodec.decode(newer) }
            // A newer version's lease whose fields would not even validate still reports the version first.
            var lease = ProtoBytes()
            lease.field(6, varint: 99)
            #expect(throws: WireError.protocolVersionMismatch(received: next, expected: Wire.protocolVersion)) {
                _ = try WireCodec.decode(ProtoBytes.envelope(version: next, bodyField: 14, body: lease))
            }
            let refusal = Envelope(protocolVersion: 7, runID: "other", body: .refused(Wire.Refused(reason: "too old")))
            #expect(try WireCodec.decode(WireCodec.encode(refusal)) == refusal)
        }

        @Test func unknownEnumValuesAreRefusedNamingTheField() {
            var lease = ProtoBytes()
            lease.field(5, varint: 1000)
            lease.field(6, varint: 7)  // kind
            #expect(throws: WireError.unknownEnumValue(message: "Lease", field: "kind", value: 7)) {
                _ = try WireCodec.decode(ProtoBytes.envelope(bodyField: 14, body: lease))
            }
            var request = ProtoBytes()
            request.field(2, varint: -3)  // parameter_set, negative
            #expect(throws: WireError.unknownEnumValue(message: "ShardRequest", field: "parameter_set", value: -3)) {
                _ = try WireCodec.decode(ProtoBytes.envelope(bodyField: 16, body: request))
            }
            var unspecified = ProtoBytes()
            unspecified.field(1, varint: 4)  // parameter_set left at 0
            #expect(throws: WireError.unknownEnumValue(message: "ShardRequest", field: "parameter_set", value: 0)) {
                _ = try WireCodec.decode(ProtoBytes.envelope(bodyField: 16, body: unspecified))
            }
        }

        @Test func stringsMustBeValidUTF8AndBounded() {
            var register = ProtoBytes()
            register.field(1, bytes: [0x66, 0xC3, 0x28])  // invalid continuation byte
            #expect(throws: WireError.invalidUTF8(message: "Register", field: "worker_name")) {
                _ = try WireCodec.decode(ProtoBytes.envelope(bodyField: 10, body: register))
            }
            var long = ProtoBytes()
            long.field(1, string: String(repeating: "x", count: Wire.Limits.maxNameBytes + 1))
            #expect(throws: WireError.tooLong(message: "Register", field: "worker_name", count: 257, limit: 256)) {
                _ = try WireCodec.decode(ProtoBytes.envelope(bodyField: 10, body: long))
            }
            let longRun = String(repeating: "r", count: 300)
            #expect(throws: WireError.tooLong(message: "Envelope", field: "run_id", count: 300, limit: 256)) {
                _ = try WireCodec.decode(WireCodec.encode(Envelope(runID: longRun, body: .heartbeat(Wire.Heartbeat(workerID: 1)))))
            }
        }

        /// `blas_core` goes into the coordinator's log as it is, so only short printable ASCII is accepted.
        @Test func blasCoreMustBePrintableASCIIAndShort() {
            func register(blasCore: [UInt8]) -> [UInt8] {
                var body = ProtoBytes()
                body.field(1, string: "w")
                body.field(3, bytes: blasCore)
                return ProtoBytes.envelope(bodyField: 10, body: body)
            }
            #expect(throws: WireError.invalidField(message: "Register", field: "blas_core", reason: "byte 4 (0x1B) is not printable ASCII")) {
                _ = try WireCodec.decode(register(blasCore: Array("Fake\u{1B}[2J".utf8)))
            }
            #expect(throws: WireError.invalidField(message: "Register", field: "blas_core", reason: "byte 0 (0xC3) is not printable ASCII")) {
                _ = try WireCodec.decode(register(blasCore: Array("é".utf8)))
            }
            #expect(throws: WireError.tooLong(message: "Register", field: "blas_core", count: 65, limit: 64)) {
                _ = try WireCodec.decode(register(blasCore: Array(repeating: UInt8(ascii: "x"), count: 65)))
            }
        }

        @Test func repeatedCountsAreBounded() {
            var request = ProtoBytes()
            request.field(2, varint: 1)
            request.field(3, packed: (0..<UInt64(Wire.Limits.maxShards + 1)).map { $0 })
            #expect(throws: WireError.tooLong(message: "ShardRequest", field: "shard_ids", count: 65_537, limit: 65_536)) {
                _ = try WireCodec.decode(ProtoBytes.envelope(bodyField: 16, body: request))
            }
        }

        @Test func leaseInvariantsAreChecked() throws {
            func decodeLease(_ edit: (inout Wire.Lease) -> Void) throws {
                var lease = sampleLease()
                edit(&lease)
                _ = try WireCodec.decode(WireCodec.encode(Envelope(runID: "run", body: .lease(lease))))
            }
            #expect(throws: WireError.invalidField(message: "Lease", field: "sequence_lengths", reason: "it has 3 entries, but 2·pairs = 4")) {
                try decodeLease { $0.sequenceLengths = [1, 2, 3] }
            }
            #expect(throws: WireError.invalidField(message: "Lease", field: "sequence_lengths", reason: "sequence 1 has length 0")) {
                try decodeLease { $0.sequenceLengths = [1, 0, 3, 4] }
            }
            #expect(throws: WireError.invalidField(message: "Lease", field: "pairs", reason: "a lease must hold at least one pair")) {
                try decodeLease { $0.pairs = 0; $0.sequenceLengths = [] }
            }
            #expect(throws: WireError.self) { try decodeLease { $0.normalizer = .nan } }
            #expect(throws: WireError.self) { try decodeLease { $0.normalizer = 0 } }
            #expect(throws: WireError.self) { try decodeLease { $0.leaseMilliseconds = 0 } }
            #expect(throws: WireError.self) { try decodeLease { $0.sequenceLengths = [UInt32.max, UInt32.max, 1, 1] } }
            #expect(throws: WireError.invalidField(message: "Lease", field: "hold_push", reason: "only a gradient lease holds or carries a push")) {
                try decodeLease { $0.kind = .eval; $0.holdPush = true }
            }
            #expect(throws: WireError.invalidField(message: "Lease", field: "hold_push", reason: "only a gradient lease holds or carries a push")) {
                try decodeLease { $0.kind = .reference; $0.parameterSet = .reference; $0.carriesLeaseID = 3 }
            }
            #expect(throws: WireError.invalidField(message: "Lease", field: "carries_lease_id", reason: "a lease cannot carry itself")) {
                try decodeLease { $0.carriesLeaseID = $0.leaseID }
            }
        }

        /// A carried lease's figures are checked as a push's own, and it cannot be the push's lease.
        @Test func aCarriedLeaseIsCheckedAsAPushsOwnFigures() throws {
            func decodePush(_ edit: (inout Wire.CarriedLease) -> Void) throws {
                var carried = Wire.CarriedLease(leaseID: 1, batchID: 2, metrics: try sampleMetrics(), tokens: 10, computeSeconds: 0.5)
                edit(&carried)
                let push = Wire.GradientPush(workerID: 1, leaseID: 9, batchID: 3, shardVersions: [0], metrics: try sampleMetrics(), tokens: 10,
                                             computeSeconds: 1, carried: carried)
                _ = try WireCodec.decode(WireCodec.encode(Envelope(runID: "run", body: .gradientPush(push))))
            }
            #expect(throws: WireError.invalidField(message: "CarriedLease", field: "lease_id", reason: "a lease cannot carry itself")) {
                try decodePush { $0.leaseID = 9 }
            }
            #expect(throws: WireError.invalidField(message: "CarriedLease", field: "batch_id", reason: "9223372036854775808 is not a batch index")) {
                try decodePush { $0.batchID = 1 << 63 }
            }
            #expect(throws: WireError.invalidField(message: "CarriedLease", field: "tokens", reason: "18446744073709551615 is above a lease's 268435456")) {
                try decodePush { $0.tokens = .max }
            }
            #expect(throws: WireError.invalidField(message: "CarriedLease", field: "compute_seconds", reason: "nan is not finite and non-negative")) {
                try decodePush { $0.computeSeconds = .nan }
            }
        }

        @Test func welcomeChecksObjectiveAndShardLayout() throws {
            func welcome(objective: String = "bfpo", beta: Double = 0.01, shards: [(UInt32, UInt64, UInt64)]) -> [UInt8] {
                var w = ProtoBytes()
                w.field(4, string: objective)
                w.field(5, double: beta)
                w.field(6, double: 3)
                w.field(7, double: 0.5)
                for (id, offset, count) in shards {
                    var s = ProtoBytes()
                    s.field(1, varint: Int64(id))
                    s.field(2, varint: Int64(bitPattern: offset))
                    s.field(3, varint: Int64(bitPattern: count))
                    w.field(8, message: s)
                }
                w.field(9, varint: 1000)
                w.field(10, varint: 1000)
                return ProtoBytes.envelope(bodyField: 11, body: w)
            }
            let ok = try WireCodec.decode(welcome(shards: [(1, 5, 5), (0, 0, 5)]))
            guard case .welcome(let w) = ok.body else { Issue.record("not a Welcome"); return }
            #expect(w.objective == (try Objective(kind: .bfpo)))
            #expect(w.shards == [Wire.ShardRange(shardID: 1, offset: 5, count: 5), Wire.ShardRange(shardID: 0, offset: 0, count: 5)])

            #expect(throws: WireError.invalidField(message: "Welcome", field: "objective", reason: "\"kto\" is not one of bfpo, dpo, ipo, sft")) {
                _ = try WireCodec.decode(welcome(objective: "kto", shards: []))
            }
            #expect(throws: WireError.self) { _ = try WireCodec.decode(welcome(beta: 0, shards: [])) }
            #expect(throws: WireError.invalidField(message: "Welcome", field: "shards", reason: "shards 0 and 1 overlap")) {
                _ = try WireCodec.decode(welcome(shards: [(0, 0, 6), (1, 5, 5)]))
            }
            #expect(throws: WireError.invalidField(message: "Welcome", field: "shards.shard_id", reason: "id 0 appears more than once")) {
                _ = try WireCodec.decode(welcome(shards: [(0, 0, 5), (0, 5, 5)]))
            }
            #expect(throws: WireError.self) { _ = try WireCodec.decode(welcome(shards: [(0, UInt64.max, 2)])) }
            #expect(throws: WireError.self) { _ = try WireCodec.decode(welcome(shards: [(0, 0, 0)])) }
        }

        @Test func metricSumsAreValidatedByPreferenceMetrics() throws {
            func push(_ edit: (inout ProtoBytes) -> Void) -> [UInt8] {
                var m = ProtoBytes()
                edit(&m)
                var p = ProtoBytes()
                p.field(5, message: m)
                return ProtoBytes.envelope(bodyField: 18, body: p)
            }
            #expect(throws: WireError.self) {
                _ = try WireCodec.decode(push { $0.field(1, varint: 2); $0.field(5, varint: 3) })  // ranked > pairs
            }
            #expect(throws: WireError.self) {
                _ = try WireCodec.decode(push { $0.field(1, varint: 2); $0.field(2, double: .infinity) })
            }
            #expect(throws: WireError.self) {
                _ = try WireCodec.decode(push { $0.field(1, varint: -1) })  // 2^64 − 1 pairs
            }
            // A sum beyond ±1e30 is refused: a step's sum of such sums could overflow the metrics line.
            #expect(throws: WireError.self) {
                _ = try WireCodec.decode(push { $0.field(1, varint: 2); $0.field(2, double: 1.7e308) })
            }
            #expect(try WireCodec.decode(push { $0.field(1, varint: 2); $0.field(2, double: 1e30) }).body.name == "GradientPush")
            var missing = ProtoBytes()
            missing.field(1, varint: 3)
            #expect(throws: WireError.missingField(message: "GradientPush", field: "metrics")) {
                _ = try WireCodec.decode(ProtoBytes.envelope(bodyField: 18, body: missing))
            }
        }

        /// Ids and counts the coordinator converts to `Int` are bounded at decoding, so no conversion traps.
        @Test func batchIDsAndTokenCountsAreBounded() throws {
            func gradientPush(batch: UInt64, tokens: UInt64) -> [UInt8] {
                var metrics = ProtoBytes()
                metrics.field(1, varint: 1)
                var p = ProtoBytes()
                p.field(3, varint: Int64(bitPattern: batch))
                p.field(5, message: metrics)
                p.field(6, varint: Int64(bitPattern: tokens))
                return ProtoBytes.envelope(bodyField: 18, body: p)
            }
            func referencePush(batch: UInt64) -> [UInt8] {
                var p = ProtoBytes()
                p.field(3, varint: Int64(bitPattern: batch))
                return ProtoBytes.envelope(bodyField: 19, body: p)
            }
            let largestBatch = UInt64(Int.max), largestTokens = UInt64(Wire.Limits.maxLeaseTokens)
            guard case .gradientPush(let push) = try WireCodec.decode(gradientPush(batch: largestBatch, tokens: largestTokens)).body else {
                Issue.record("expected a GradientPush")
                return
            }
            #expect(push.batchID == largestBatch && push.tokens == largestTokens)
            #expect(throws: WireError.invalidField(message: "GradientPush", field: "batch_id", reason: "9223372036854775808 is not a batch index")) {
                _ = try WireCodec.decode(gradientPush(batch: 1 << 63, tokens: 10))
            }
            #expect(throws: WireError.invalidField(message: "GradientPush", field: "tokens", reason: "18446744073709551615 is above a lease's 268435456")) {
                _ = try WireCodec.decode(gradientPush(batch: 1, tokens: .max))
            }
            #expect(try WireCodec.decode(referencePush(batch: largestBatch)).body.name == "ReferencePush")
            #expect(throws: WireError.invalidField(message: "ReferencePush", field: "batch_id", reason: "18446744073709551615 is not a batch index")) {
                _ = try WireCodec.decode(referencePush(batch: .max))
            }
        }

        @Test func errorDescriptionsAreSentencesNamingTheProblem() {
            #expect(WireError.frameSize(frame: "shard 3 gradient (float32)", expectedBytes: 400, actualBytes: 396).description
                == "the shard 3 gradient (float32) frame has 396 bytes, expected 400")
            #expect(WireError.protocolVersionMismatch(received: 2, expected: 1).description
                == "protocol version 2 is not supported: this peer speaks version 1")
        }
    }
}
