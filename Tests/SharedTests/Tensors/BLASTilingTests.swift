import Testing
@testable import Shared

/// Product tiles: one per thread where the work allows, never shorter than 64 rows nor smaller than the
/// main kernel's lower bound, bounds at multiples of 64, covering every row once.
struct BLASTilingTests {
    @Test func tilesCoverTheRowsAtAlignedBoundsAndStayLarge() {
        for (count, rowWork, threads) in [(1536, 768 * 256, 2), (768, 3072 * 768, 16), (65, 1 << 20, 4), (348, 192 * 64, 3),
                                          (100, 10, 8), (4096, 3072 * 768, 3), (63, 1 << 22, 2)] {
            let tiling = BLAS.Tiling(count: count, rowWork: rowWork, threads: threads)
            let tiles = (0..<tiling.parts).map(tiling.range)
            #expect(tiles.first?.lowerBound == 0 && tiles.last?.upperBound == count)
            #expect(zip(tiles, tiles.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound && $0.upperBound % 64 == 0 })
            #expect(tiling.parts <= threads)
            if tiling.parts > 1 {
                #expect(tiles.allSatisfy { $0.count >= 64 && $0.count * rowWork >= BLAS.Tiling.minimumWork / 2 },
                        "\(count) rows of \(rowWork): \(tiles)")
            }
        }
        #expect(BLAS.Tiling(count: 1536, rowWork: 768 * 256, threads: 2).parts == 2)
        #expect(BLAS.Tiling(count: 65, rowWork: 1 << 20, threads: 4).parts == 1)
        #expect(BLAS.Tiling(count: 100, rowWork: 10, threads: 8).parts == 1)
        #expect(BLAS.Tiling(count: 4096, rowWork: 100_000, threads: 1, maxTile: 1024).parts == 4)
    }
}
