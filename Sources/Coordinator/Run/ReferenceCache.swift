import Foundation
import Shared

/// `runs/NAME/reference_logps.jsonl`: π_ref's log-probs of every pair, computed once by the workers
/// before training and reused by a resumed run (docs/contracts.md, "Run directory").
///
/// The first line records a fingerprint of what the numbers depend on — the reference model's weights
/// and every pair's ids, masks and labels — so a cache made for other data or another reference model
/// is recomputed rather than silently used. Values are written with Swift's shortest round-tripping
/// decimal form, so reading gives back the exact doubles.
struct ReferenceCache {
    let path: String
    let fingerprint: String

    init(runDirectory: String, referenceWeights: String, pairs: [TokenizedPair]) throws {
        path = (runDirectory as NSString).appendingPathComponent("reference_logps.jsonl")
        var bytes = Data(try FileDigest.sha256(ofFileAt: referenceWeights).utf8)
        for pair in pairs {
            for value in pair.chosenIDs + [-1] + pair.rejectedIDs + [-2] { withUnsafeBytes(of: Int64(value).littleEndian) { bytes.append(contentsOf: $0) } }
            bytes.append(contentsOf: pair.chosenMask.map { $0 ? 1 : 0 } + pair.rejectedMask.map { $0 ? 1 : 0 })
            bytes.append(contentsOf: [pair.chosenSafe ? 1 : 0, pair.rejectedSafe ? 1 : 0])
        }
        fingerprint = FileDigest.sha256(of: bytes)
    }

    private struct Header: Codable {
        let fingerprint: String
        let pairs: Int
    }

    private struct Row: Codable {
        let pair: Int
        let chosen: Double
        let rejected: Double
    }

    /// The cached log-probs, or nil when there is no cache or it was made for something else (the
    /// reason is returned for the log). Decoded with `JSONDecoder`, whose number parsing is correctly
    /// rounded (Foundation's `JSONSerialization` on Linux is not, and a resumed run must see the exact
    /// doubles the original run used).
    func load(expectedPairs: Int) -> (values: [ResponseLogProbs]?, note: String?) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return (nil, nil) }
        let lines = text.split(separator: "\n")
        let decoder = JSONDecoder()
        guard let first = lines.first, let header = try? decoder.decode(Header.self, from: Data(first.utf8)),
              header.fingerprint == fingerprint, header.pairs == expectedPairs, lines.count == expectedPairs + 1
        else { return (nil, "\(path) was made for other data or another reference model; recomputing") }
        var values: [ResponseLogProbs] = []
        values.reserveCapacity(expectedPairs)
        for (index, line) in lines.dropFirst().enumerated() {
            guard let row = try? decoder.decode(Row.self, from: Data(line.utf8)), row.pair == index,
                  row.chosen.isFinite, row.rejected.isFinite
            else { return (nil, "\(path) line \(index + 2) is damaged; recomputing") }
            values.append(ResponseLogProbs(chosen: row.chosen, rejected: row.rejected))
        }
        return (values, nil)
    }

    /// Writes the cache atomically (temporary file, fsync, rename).
    func save(_ values: [ResponseLogProbs]) throws {
        var text = "{\"fingerprint\":\"\(fingerprint)\",\"pairs\":\(values.count)}\n"
        for (index, value) in values.enumerated() {
            text += "{\"pair\":\(index),\"chosen\":\(value.chosen),\"rejected\":\(value.rejected)}\n"
        }
        try DurableFile.replace(with: Data(text.utf8), at: path)
    }
}
