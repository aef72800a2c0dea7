import Foundation

/// Picks the next token from a row of logits: greedy (the first largest logit) at temperature 0,
/// otherwise a draw from softmax(logits / T) restricted to the nucleus of mass `topP` (the smallest
/// set of most probable tokens whose probabilities sum to at least `topP`; Holtzman et al., 2020).
///
/// Deterministic: the same seed and the same logits give the same tokens. The probability and order
/// buffers are sized once for the vocabulary, so a draw allocates nothing; the nucleus is taken from a
/// max-heap (built in O(V), popped only as far as the nucleus reaches) rather than a full sort.
public struct TokenSampler: Sendable {
    /// Why sampling settings were refused.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case invalidTemperature(Double)
        case invalidTopP(Double)

        public var description: String {
            switch self {
            case .invalidTemperature(let value): return "temperature must be a finite number ≥ 0, got \(value)"
            case .invalidTopP(let value): return "top-p must lie in (0, 1], got \(value)"
            }
        }
    }

    public let temperature: Double
    public let topP: Double
    private var random: RandomGenerator
    private var weights: [Double]  // (V) e^((logit − max)/T)
    private var order: [Int32]     // (V) a max-heap of token ids by weight; popped ids collect at the end

    /// - Parameters:
    ///   - temperature: 0 for greedy decoding; otherwise the softmax temperature.
    ///   - topP: the nucleus mass, in (0, 1]; 1 samples from the whole distribution.
    ///   - seed: the random stream's seed (unused when greedy).
    ///   - vocabulary: V, the length of every logits row.
    public init(temperature: Double = 0, topP: Double = 1, seed: UInt64 = 0, vocabulary: Int) throws {
        guard temperature.isFinite, temperature >= 0 else { throw Failure.invalidTemperature(temperature) }
        guard topP > 0, topP <= 1 else { throw Failure.invalidTopP(topP) }
        self.temperature = temperature
        self.topP = topP
        random = RandomGenerator(seed: seed)
        weights = [Double](repeating: 0, count: temperature > 0 ? vocabulary : 0)
        order = [Int32](repeating: 0, count: temperature > 0 && topP < 1 ? vocabulary : 0)
    }

    /// Whether every token is the most probable one.
    public var isGreedy: Bool { temperature == 0 }

    /// The next token for `logits` (V floats).
    public mutating func next(_ logits: UnsafeBufferPointer<Float>) -> Int {
        precondition(!logits.isEmpty, "a logits row has at least one entry")
        guard !isGreedy else { return Self.argmax(logits) }
        precondition(logits.count == weights.count, "logits of the vocabulary the sampler was made for")
        let peak = Double(logits[Self.argmax(logits)])
        var total = 0.0
        for v in 0..<logits.count {
            weights[v] = exp((Double(logits[v]) - peak) / temperature)
            total += weights[v]
        }
        guard topP < 1 else {
            return pick(random.nextDouble() * total, from: 0..<logits.count) { $0 }
        }
        let kept = nucleus(mass: topP * total)
        let start = order.count - kept.count
        let keptMass = (start..<order.count).reduce(0.0) { $0 + weights[Int(order[$1])] }
        return pick(random.nextDouble() * keptMass, from: start..<order.count) { Int(order[$0]) }
    }

    /// The first index of the largest logit (NaN never wins).
    static func argmax(_ logits: UnsafeBufferPointer<Float>) -> Int {
        var best = 0
        for v in 1..<logits.count where logits[v] > logits[best] || logits[best].isNaN { best = v }
        return best
    }

    /// The token at which the running sum of weights over `slots` first exceeds `target`; the last slot
    /// when rounding leaves `target` at the very end.
    private func pick(_ target: Double, from slots: Range<Int>, token: (Int) -> Int) -> Int {
        var running = 0.0
        for slot in slots {
            running += weights[token(slot)]
            if target < running { return token(slot) }
        }
        return token(slots.upperBound - 1)
    }

    /// Heap-sorts just far enough: pops tokens in decreasing weight until their sum reaches `mass`, and
    /// returns the range of `order` they occupy (the popped tokens, most probable last).
    private mutating func nucleus(mass: Double) -> Range<Int> {
        let V = order.count
        for v in 0..<V { order[v] = Int32(v) }
        for root in stride(from: V / 2 - 1, through: 0, by: -1) { siftDown(root, size: V) }
        var size = V, sum = 0.0
        while size > 0, sum < mass || size == V {
            let top = order[0]
            sum += weights[Int(top)]
            size -= 1
            order[0] = order[size]
            order[size] = top
            siftDown(0, size: size)
        }
        return size..<V
    }

    /// Restores the heap property below `root` within the first `size` slots; ties go to the lower id,
    /// so the order is fixed by the weights alone.
    private mutating func siftDown(_ root: Int, size: Int) {
        func before(_ a: Int32, _ b: Int32) -> Bool {
            let wa = weights[Int(a)], wb = weights[Int(b)]
            return wa > wb || (wa == wb && a < b)
        }
        var parent = root
        while true {
            let left = 2 * parent + 1, right = left + 1
            var best = parent
            if left < size, before(order[left], order[best]) { best = left }
            if right < size, before(order[right], order[best]) { best = right }
            guard best != parent else { return }
            order.swapAt(parent, best)
            parent = best
        }
    }
}
