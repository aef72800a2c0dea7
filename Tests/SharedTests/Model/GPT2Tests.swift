import Testing
@testable import Shared

/// The fp32 model against the naive Double oracle: forward log-probs, then every parameter tensor's
/// gradient against central finite differences, with every sequence packed on its own and with shared
/// prefixes; shared packing against separate packing; and the thread count against a single bit.
struct GPT2Tests {
    let config = ModelFixtures.config
    let parameters = ModelFixtures.parameters()

    enum Packing: CaseIterable { case separate, shared }

    /// The sequences, their packed batch, and ∂loss/∂ log π(sequence) for each: the test loss is
    /// Σ_s c_s · log π(s), which exercises the backward pass with gradients of both signs and of
    /// different sizes per sequence.
    func fixture(_ packing: Packing) throws -> (sequences: [(ids: [Int], mask: [Bool])], batch: PackedBatch, coefficients: [Double]) {
        switch packing {
        case .separate: (ModelFixtures.sequences, try ModelFixtures.batch(), [0.7, -1.3, 0.4, 0.9])
        case .shared: (ModelFixtures.groups.flatMap { $0 }, try ModelFixtures.groupedBatch(shared: true), [0.7, -1.3, 0.4, 0.9, -0.6, 1.1])
        }
    }

    func oracleLoss(_ p: [Double], _ packing: Packing) throws -> Double {
        let oracle = ReferenceGPT2(config: config)
        let (sequences, _, coefficients) = try fixture(packing)
        return zip(sequences, coefficients).reduce(0) {
            $0 + $1.1 * oracle.sequenceLogProb(parameters: p, ids: $1.0.ids, mask: $1.0.mask)
        }
    }

    @Test(arguments: Packing.allCases)
    func forwardLogProbsMatchDoubleOracle(packing: Packing) throws {
        let (sequences, batch, _) = try fixture(packing)
        let model = GPT2(config: config)
        let weights = parameters.map(Float.init)
        let logProbs = model.forward(parameters: weights, batch: batch, activations: Activations(config: config))
        let oracle = ReferenceGPT2(config: config)
        var worst = 0.0
        for (s, sequence) in sequences.enumerated() {
            let expected = oracle.sequenceLogProb(parameters: parameters, ids: sequence.ids, mask: sequence.mask)
            // fp32 rounding over ~50 summed log-probs of size ~3: 1e-5 relative is ample headroom.
            let error = abs(logProbs[s] - expected) / max(1, abs(expected))
            worst = max(worst, error)
            #expect(error < 1e-5, "sequence \(s): \(logProbs[s]) vs oracle \(expected)")
        }
        print("forward (\(packing)): worst relative error \(worst) over \(batch.sequenceCount) sequences")
    }

    @Test(arguments: Packing.allCases)
    func everyParameterGradientMatchesFiniteDifferences(packing: Packing) throws {
        let (_, batch, coefficients) = try fixture(packing)
        let model = GPT2(config: config)
        let weights = parameters.map(Float.init)
        let activations = Activations(config: config)
        _ = model.forward(parameters: weights, batch: batch, activations: activations)
        let gradient = FloatBuffer(count: model.layout.count)
        model.backward(parameters: weights, gradients: gradient.pointer, batch: batch, activations: activations,
                       sequenceGradients: coefficients.map(Float.init))

        // Central differences in Double with h = 1e-5 are accurate to ~1e-9 (truncation h², rounding
        // 1e-16/h); the fp32 analytic gradient carries ~1e-6 relative rounding, so 1e-3 relative to the
        // larger of the value and the tensor's gradient scale is a bound with headroom, yet far below the
        // size of any real mistake (a wrong sign, a missed term, an off-by-one row).
        let h = 1e-5
        var rng = TestRandom(seed: 99)
        var worst = (error: 0.0, name: "")
        for spec in model.layout.tensors {
            let analytic = (spec.range).map { Double(gradient[$0]) }
            let scale = max(1e-3, (analytic.map { $0 * $0 }.reduce(0, +) / Double(spec.count)).squareRoot())
            var probes = (0..<3).map { _ in Int.random(in: spec.range, using: &rng) }
            probes.append(-1)  // -1: a random direction through the whole tensor
            for probe in probes {
                var direction = [Double](repeating: 0, count: spec.count)
                if probe >= 0 { direction[probe - spec.offset] = 1 } else {
                    direction = direction.map { _ in rng.normal() }
                }
                var plus = parameters, minus = parameters
                for (i, d) in direction.enumerated() {
                    plus[spec.offset + i] += h * d
                    minus[spec.offset + i] -= h * d
                }
                let numeric = (try oracleLoss(plus, packing) - oracleLoss(minus, packing)) / (2 * h)
                let exact = zip(analytic, direction).reduce(0) { $0 + $1.0 * $1.1 }
                let norm = probe >= 0 ? 1 : (direction.map { $0 * $0 }.reduce(0, +)).squareRoot()
                let error = abs(exact - numeric) / max(abs(numeric), scale * norm)
                if error > worst.error { worst = (error, spec.name) }
                #expect(error < 1e-3, "\(spec.name) probe \(probe): analytic \(exact) vs numeric \(numeric)")
            }
        }
        print("gradient (\(packing)): worst relative error \(worst.error) in \(worst.name) over \(model.layout.tensors.count) tensors")
    }

    /// Sharing a prefix changes which rows are computed, not the function: log-probs and every gradient
    /// equal separate packing's to within fp32 rounding of differently ordered sums.
    @Test func sharedPrefixPackingEqualsSeparatePacking() throws {
        let model = GPT2(config: config)
        let weights = parameters.map(Float.init)
        let coefficients = try fixture(.shared).coefficients.map(Float.init)
        func run(_ batch: PackedBatch) -> (logProbs: [Double], gradient: [Float]) {
            let activations = Activations(config: config)
            let logProbs = model.forward(parameters: weights, batch: batch, activations: activations)
            let gradient = FloatBuffer(count: model.layout.count)
            model.backward(parameters: weights, gradients: gradient.pointer, batch: batch, activations: activations,
                           sequenceGradients: coefficients)
            return (logProbs, gradient.array)
        }
        let shared = try ModelFixtures.groupedBatch(shared: true), separate = try ModelFixtures.groupedBatch(shared: false)
        #expect(shared.tokenCount == separate.tokenCount - 66 - 2 - 2)
        let (a, b) = (run(shared), run(separate))
        for (x, y) in zip(a.logProbs, b.logProbs) { #expect(abs(x - y) <= 1e-5 * max(1, abs(y)), "\(x) vs \(y)") }
        var worst = (error: 0.0, name: "")
        for spec in model.layout.tensors {
            let scale = max(1e-3, spec.range.map { Double(b.gradient[$0] * b.gradient[$0]) }.reduce(0, +).squareRoot() / Double(spec.count).squareRoot())
            let error = spec.range.map { Double(abs(a.gradient[$0] - b.gradient[$0])) }.max()! / scale
            if error > worst.error { worst = (error, spec.name) }
            // Relative to the tensor's RMS gradient: fp32 sums in another order differ by ~1e-6 of it.
            #expect(error < 1e-4, "\(spec.name): shared and separate gradients differ by \(error) of the tensor's RMS")
        }
        print("shared vs separate packing: worst gradient difference \(worst.error) of RMS in \(worst.name)")
    }

    /// Every thread count gives the same bits where the BLAS kernel computes a product's elements
    /// independently of where a call's tile starts (docs/compute.md), and agrees to fp32 rounding elsewhere:
    /// tasks write disjoint outputs and every sum the model itself makes runs in an order fixed by the
    /// shapes. The shapes are large enough that every layer splits its work: 480 rows (several 64-row
    /// tiles), 4 heads, two vocabulary chunks.
    @Test func logProbsAndGradientsAreBitIdenticalAcrossThreadCounts() throws {
        let config = GPT2Config(layers: 2, heads: 4, embedding: 64, positions: 160, vocabulary: 300)
        let model = GPT2(config: config)
        var rng = TestRandom(seed: 23)
        let weights = (0..<model.layout.count).map { _ in Float(0.2 * rng.normal()) }
        func draw(_ count: Int) -> [Int] { (0..<count).map { _ in Int.random(in: 0..<300, using: &rng) } }
        var groups: [[(ids: [Int], mask: [Bool])]] = []
        for length in [100, 37, 64] {
            let prompt = draw(length)
            let chosen = prompt + draw(30), rejected = prompt + draw(19)
            groups.append([(chosen, chosen.indices.map { $0 >= length }), (rejected, rejected.indices.map { $0 >= length })])
        }
        let batch = try PackedBatch(groups: groups, vocabulary: 300, maxPositions: 160)
        let coefficients = (0..<batch.sequenceCount).map { _ in Float(rng.normal()) }
        func run(threads: Int) -> (logProbs: [Double], gradient: [Float]) {
            let activations = Activations(config: config, threads: threads)
            let logProbs = model.forward(parameters: weights, batch: batch, activations: activations)
            let gradient = FloatBuffer(count: model.layout.count)
            model.backward(parameters: weights, gradients: gradient.pointer, batch: batch, activations: activations,
                           sequenceGradients: coefficients)
            return (logProbs, gradient.array)
        }
        let one = run(threads: 1)
        let exact = Self.kernelIgnoresTileStarts()
        print("thread counts: the loaded BLAS kernel \(exact ? "ignores" : "depends on") where a tile starts")
        for threads in [2, 3] {
            let other = run(threads: threads)
            if exact {
                #expect(other.logProbs == one.logProbs, "log-probs with \(threads) threads")
                let differing = zip(other.gradient, one.gradient).filter { $0.bitPattern != $1.bitPattern }.count
                #expect(differing == 0, "\(differing) gradient entries differ with \(threads) threads")
            } else {
                for (a, b) in zip(other.logProbs, one.logProbs) { #expect(abs(a - b) <= 1e-5 * abs(b)) }
                let scale = one.gradient.map { abs($0) }.max()!
                #expect(zip(other.gradient, one.gradient).allSatisfy { abs($0 - $1) <= 1e-5 * scale })
            }
        }
    }

    /// Whether the loaded kernel gives a product's elements the same bits when the product is cut into
    /// tiles at row 64 or column 64, for the transposes `Linear` uses.
    static func kernelIgnoresTileStarts() -> Bool {
        let m = 200, n = 150, k = 300
        var rng = TestRandom(seed: 5)
        let a = (0..<(m * k)).map { _ in Float(rng.normal()) }, b = (0..<(k * n)).map { _ in Float(rng.normal()) }
        for (transA, transB) in [(BLAS.Transpose.none, BLAS.Transpose.none), (.none, .transpose), (.transpose, .none)] {
            let lda = transA == .none ? k : m, ldb = transB == .none ? n : k
            var whole = [Float](repeating: 0, count: m * n), rows = whole, columns = whole
            BLAS.sgemm(transA, transB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, beta: 0, c: &whole, ldc: n)
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    let (a, b) = (a.baseAddress!, b.baseAddress!)
                    rows.withUnsafeMutableBufferPointer { c in
                        let c = c.baseAddress!
                        BLAS.sgemm(transA, transB, m: 64, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, beta: 0, c: c, ldc: n)
                        BLAS.sgemm(transA, transB, m: m - 64, n: n, k: k, a: transA == .none ? a + 64 * lda : a + 64, lda: lda,
                                   b: b, ldb: ldb, beta: 0, c: c + 64 * n, ldc: n)
                    }
                    columns.withUnsafeMutableBufferPointer { c in
                        let c = c.baseAddress!
                        BLAS.sgemm(transA, transB, m: m, n: 64, k: k, a: a, lda: lda, b: b, ldb: ldb, beta: 0, c: c, ldc: n)
                        BLAS.sgemm(transA, transB, m: m, n: n - 64, k: k, a: a, lda: lda,
                                   b: transB == .none ? b + 64 : b + 64 * ldb, ldb: ldb, beta: 0, c: c + 64, ldc: n)
                    }
                }
            }
            if rows != whole || columns != whole { return false }
        }
        return true
    }
}
