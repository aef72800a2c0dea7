/// Token plus learned position embeddings, forward and backward side by side.
///
///     x[t] = wte[id[t]] + wpe[pos[t]]      pos restarts at 0 for every packed sequence
enum Embedding {
    static func forward(
        out: UnsafeMutablePointer<Float>, batch: PackedBatch,
        wte: UnsafePointer<Float>, wpe: UnsafePointer<Float>, channels C: Int, pool: ComputePool
    ) {
        pool.forEachRange(batch.tokenCount) { rows in
            for t in rows {
                let token = wte + Int(batch.tokens[t]) * C
                let position = wpe + Int(batch.positions[t]) * C
                let x = out + t * C
                for i in 0..<C { x[i] = token[i] + position[i] }
            }
        }
    }

    /// Accumulates each row of `dOut` into the embedding rows it came from (`+=`: a token id or a
    /// position can occur many times in a batch). Threads split the channels, so two threads never add
    /// into the same element, and each element's additions run in row order.
    static func backward(
        dWTE: UnsafeMutablePointer<Float>, dWPE: UnsafeMutablePointer<Float>,
        dOut: UnsafePointer<Float>, batch: PackedBatch, channels C: Int, pool: ComputePool
    ) {
        pool.forEachRange(C) { channels in
            for t in 0..<batch.tokenCount {
                let dx = dOut + t * C
                let token = dWTE + Int(batch.tokens[t]) * C
                let position = dWPE + Int(batch.positions[t]) * C
                for i in channels {
                    token[i] += dx[i]
                    position[i] += dx[i]
                }
            }
        }
    }
}
