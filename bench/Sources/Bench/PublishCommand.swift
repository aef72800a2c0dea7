import ArgumentParser
import Foundation
import Shared

/// Times what stands between one synchronous step and the next besides the wire, per parameter: the
/// server's AdamW update and its exact delta (`XorDeltaFrame.payload`), and the worker's application of
/// that delta to its copy (`XorDeltaFrame.apply`, which checks every value and the digest). A step runs
/// the first two on every trained shard before any worker may pull it.
struct PublishCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Time a step's AdamW update, exact delta and its application at the worker, per parameter.")

    @Option(help: "Parameters of the shard (default: the small config's largest shard, its tied embedding).")
    var parameters = 839_680

    @Option(help: "Timed repetitions; the median is printed.")
    var repetitions = 20

    func validate() throws {
        guard parameters >= 1, repetitions >= 1 else { throw ValidationError("--parameters and --repetitions must be at least 1") }
    }

    func run() throws {
        var random = RandomGenerator(seed: 7)
        let values = FloatBuffer(count: parameters), gradient = FloatBuffer(count: parameters)
        for i in 0..<parameters {
            values.pointer[i] = (random.nextFloat() - 0.5) * 0.04
            gradient.pointer[i] = (random.nextFloat() - 0.5) * 0.2
        }
        let m = FloatBuffer(count: parameters), v = FloatBuffer(count: parameters)
        m.zero()
        v.zero()
        let previous = FloatBuffer(count: parameters), copy = FloatBuffer(count: parameters)
        var step = 0
        let adam = median {
            previous.pointer.update(from: values.pointer, count: parameters)
            step += 1
            AdamW.update(parameters: values.pointer, gradients: gradient.pointer, firstMoment: m.pointer, secondMoment: v.pointer,
                         count: parameters, decayRanges: [], step: step, learningRate: 1e-4, hyperparameters: AdamW.Hyperparameters())
        }
        var frame = WireMessage.Payload.bytes([])
        let encode = median {
            frame = XorDeltaFrame.payload(from: UnsafeBufferPointer(previous.buffer), to: UnsafeBufferPointer(values.buffer))
        }
        var failure: Error?
        let apply = median {
            copy.pointer.update(from: previous.pointer, count: parameters)
            do { try XorDeltaFrame.apply(frame, to: copy.buffer, frame: "bench") } catch { failure = error }
        }
        if let failure { throw failure }
        let copying = median { copy.pointer.update(from: previous.pointer, count: parameters) }
        print("machine: \(Machine.cpuDescription)")
        print(String(format: "%d parameters; delta %.2f bytes a parameter", parameters, Double(frame.byteCount) / Double(parameters)))
        for (name, seconds) in [("AdamW update", adam), ("exact delta, encode", encode), ("exact delta, apply", apply - copying)] {
            print(name.padding(toLength: 22, withPad: " ", startingAt: 0)
                  + String(format: "%8.3f ms  %6.2f ns a parameter", seconds * 1e3, seconds * 1e9 / Double(parameters)))
        }
    }

    /// The median wall time of `repetitions` runs of `body`, after one untimed run.
    private func median(_ body: () -> Void) -> Double {
        body()
        let times = (0..<repetitions).map { _ -> Double in
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }.sorted()
        return times[times.count / 2]
    }
}
