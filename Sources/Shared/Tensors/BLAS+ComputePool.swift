extension BLAS {
    /// How a product's result is cut into tiles, one single-threaded `sgemm` each, along one side of
    /// `count` rows (or columns), each row costing `rowWork` multiply-adds.
    ///
    /// Tiles start at multiples of 64 (a multiple of every kernel's register block) and are never shorter
    /// than 64, nor smaller than `minimumWork` multiply-adds: OpenBLAS sends a product with one row or
    /// column to its GEMV code and a small product (about 10⁶ multiply-adds) to its small-matrix kernels,
    /// which sum in other orders, so a tile that fell there would give other bits than the same rows
    /// computed in a larger tile. Above those sizes the main kernel computes each element the same way
    /// wherever its tile starts (on the kernels docs/compute.md lists).
    struct Tiling {
        static let minimumWork = 1 << 21

        let count: Int
        let parts: Int
        /// Tile bounds are multiples of this (64 for products).
        let alignment: Int

        /// Up to `threads` tiles, and enough that none exceeds `maxTile` rows.
        init(count: Int, rowWork: Int, threads: Int, maxTile: Int = .max) {
            let wholeUnits = count / 64
            let byWork = max(1, count * rowWork / Tiling.minimumWork)
            let wanted = max(threads, count / maxTile + (count % maxTile > 0 ? 1 : 0))
            self.init(count: count, parts: max(1, min(wanted, wholeUnits, byWork)), alignment: 64)
        }

        /// Exactly `parts` tiles (at most one per whole unit of `alignment`) with bounds at multiples of
        /// `alignment`.
        init(count: Int, parts: Int, alignment: Int) {
            self.count = count
            self.alignment = alignment
            self.parts = max(1, min(parts, count / alignment))
        }

        /// Tile `part`: bounds at multiples of `alignment` spread evenly; the last tile takes the remainder.
        func range(_ part: Int) -> Range<Int> {
            let units = count / alignment
            func bound(_ p: Int) -> Int { p == parts ? count : units * p / parts * alignment }
            return bound(part)..<bound(part + 1)
        }

        /// The most rows a tile has.
        var widest: Int { (0..<parts).map { range($0).count }.max() ?? 0 }
    }

    /// `C = alpha · op(A) · op(B) + beta · C` on `pool`'s threads: C is cut along its longer side into one
    /// tile per thread (`Tiling`), and each tile is one single-threaded `sgemm` over the whole inner
    /// dimension. Cutting the longer side makes each thread pack only its share of the larger operand, and
    /// the whole of the smaller one. No two tiles share an output element.
    static func sgemm(
        on pool: ComputePool, _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        if m >= n {
            let tiling = Tiling(count: m, rowWork: n * k, threads: pool.threads)
            pool.run(tiling.parts) { part, _ in
                let rows = tiling.range(part)
                let tileA = transA == .none ? a + rows.lowerBound * lda : a + rows.lowerBound
                sgemm(transA, transB, m: rows.count, n: n, k: k, alpha: alpha, a: tileA, lda: lda, b: b, ldb: ldb,
                      beta: beta, c: c + rows.lowerBound * ldc, ldc: ldc)
            }
        } else {
            let tiling = Tiling(count: n, rowWork: m * k, threads: pool.threads)
            pool.run(tiling.parts) { part, _ in
                let columns = tiling.range(part)
                let tileB = transB == .none ? b + columns.lowerBound : b + columns.lowerBound * ldb
                sgemm(transA, transB, m: m, n: columns.count, k: k, alpha: alpha, a: a, lda: lda, b: tileB, ldb: ldb,
                      beta: beta, c: c + columns.lowerBound, ldc: ldc)
            }
        }
    }
}
