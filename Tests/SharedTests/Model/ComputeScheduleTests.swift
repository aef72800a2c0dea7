import Testing
@testable import Shared

/// The promises the model makes a `ComputeSchedule`, which the worker's overlap of transfer and compute
/// relies on: a layer reads no parameter it has not asked for, and a gradient said to be final is not
/// changed afterwards. Both checked by bits, not by tolerances.
struct ComputeScheduleTests {
    let config = ModelFixtures.config
    let weights = ModelFixtures.parameters().map(Float.init)

    /// Plays a pull that delivers parameters only when asked: the vector starts as NaN and each
    /// `willRead` copies the requested range in. A read before the request would make a log-prob NaN.
    /// Records each gradient range at the moment it is declared final.
    final class Recorder: ComputeSchedule {
        let source: [Float]
        let parameters: FloatBuffer
        var gradients: UnsafeMutablePointer<Float>?
        var reads: [Range<Int>] = []
        var finals: [(offset: Int, values: [Float])] = []

        init(source: [Float]) {
            self.source = source
            parameters = FloatBuffer(count: source.count)
            for i in 0..<source.count { parameters.pointer[i] = .nan }
        }

        func willRead(_ range: Range<Int>) {
            reads.append(range)
            for i in range { parameters.pointer[i] = source[i] }
        }

        func gradientsFinal(from offset: Int) {
            finals.append((offset, (offset..<source.count).map { gradients![$0] }))
        }
    }

    @Test func layersAskForTheirParametersInOrderAndFinalGradientsStayFinal() throws {
        let model = GPT2(config: config)
        let batch = try ModelFixtures.groupedBatch(shared: true)
        let coefficients: [Float] = [0.7, -1.3, 0.4, 0.9, -0.6, 1.1]

        let plain = Activations(config: config)
        let expectedLogProbs = model.forward(parameters: weights, batch: batch, activations: plain)
        let expected = FloatBuffer(count: model.layout.count)
        model.backward(parameters: weights, gradients: expected.pointer, batch: batch, activations: plain, sequenceGradients: coefficients)

        let recorder = Recorder(source: weights)
        let gradient = FloatBuffer(count: model.layout.count)
        recorder.gradients = gradient.pointer
        let scheduled = Activations(config: config)
        let logProbs = model.forward(parameters: recorder.parameters.pointer, batch: batch, activations: scheduled, schedule: recorder)
        model.backward(parameters: recorder.parameters.pointer, gradients: gradient.pointer, batch: batch, activations: scheduled,
                       sequenceGradients: coefficients, schedule: recorder)

        #expect(logProbs == expectedLogProbs)
        let sameGradient = gradient.array == expected.array
        #expect(sameGradient, "the scheduled pass computed another gradient")
        // Embedding, each block, the final LayerNorm: ascending, adjacent, the whole vector.
        let layout = model.layout
        #expect(recorder.reads == [layout.embeddingRange] + (0..<config.layers).map(layout.blockRange) + [layout.finalNormRange])
        #expect(zip(recorder.reads, recorder.reads.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
        #expect(recorder.reads.first?.lowerBound == 0 && recorder.reads.last?.upperBound == layout.count)
        // ln_f, then each block from the last, then the embeddings; each range as final as the end result.
        #expect(recorder.finals.map(\.offset) == [layout.lnfWeight] + layout.blocks.reversed().map(\.ln1Weight) + [0])
        for final in recorder.finals {
            let unchanged = final.values == Array(expected.array[final.offset...])
            #expect(unchanged, "gradients from \(final.offset) changed after being final")
        }
    }
}
