import CBFPOWire
import Foundation

/// Packs `TensorBoardEvent` into the protobuf bytes of proto/tensorboard.proto's `Event`: the one file that calls
/// protobuf-c for TensorBoard (docs/conventions.md, "C libraries"). The C structs live only inside `encode`,
/// over memory it allocates and frees before returning. Only encoding exists: the coordinator never reads
/// event files back.
public enum TensorBoardEventCodec {
    /// The protobuf encoding of `event`. Tags and the file version must not contain NUL.
    public static func encode(_ event: TensorBoardEvent) -> [UInt8] {
        var c = Bfpo__Tensorboard__Event()
        bfpo__tensorboard__event__init(&c)
        c.wall_time = event.wallTime
        c.step = event.step
        switch event.content {
        case .fileVersion(let version):
            return version.withCString { text in
                c.what_case = BFPO__TENSORBOARD__EVENT__WHAT_FILE_VERSION
                c.file_version = UnsafeMutablePointer(mutating: text)
                return pack(&c)
            }
        case .scalars(let scalars):
            return encode(scalars, into: &c)
        }
    }

    /// Packs `c` with a summary of `scalars`: one `Summary.Value` per scalar, its tag copied to a C string, all
    /// freed when packing is done.
    private static func encode(_ scalars: [TensorBoardEvent.Scalar], into c: inout Bfpo__Tensorboard__Event) -> [UInt8] {
        let tags = scalars.map { strdup($0.tag) }
        defer { tags.forEach { free($0) } }
        var values = scalars.indices.map { index in
            var value = Bfpo__Tensorboard__Summary__Value()
            bfpo__tensorboard__summary__value__init(&value)
            value.tag = tags[index]
            value.value_case = BFPO__TENSORBOARD__SUMMARY__VALUE__VALUE_SIMPLE_VALUE
            value.simple_value = scalars[index].value
            return value
        }
        return values.withUnsafeMutableBufferPointer { values in
            var pointers: [UnsafeMutablePointer<Bfpo__Tensorboard__Summary__Value>?] = values.indices.map { values.baseAddress! + $0 }
            return pointers.withUnsafeMutableBufferPointer { pointers in
                var summary = Bfpo__Tensorboard__Summary()
                bfpo__tensorboard__summary__init(&summary)
                summary.n_value = pointers.count
                summary.value = pointers.baseAddress
                return withUnsafeMutablePointer(to: &summary) { summary in
                    c.what_case = BFPO__TENSORBOARD__EVENT__WHAT_SUMMARY
                    c.summary = summary
                    return pack(&c)
                }
            }
        }
    }

    private static func pack(_ c: inout Bfpo__Tensorboard__Event) -> [UInt8] {
        let size = bfpo__tensorboard__event__get_packed_size(&c)
        var out = [UInt8](repeating: 0, count: size)
        let written = out.withUnsafeMutableBufferPointer { bfpo__tensorboard__event__pack(&c, $0.baseAddress!) }
        precondition(written == size, "protobuf-c packed \(written) bytes, announced \(size)")
        return out
    }
}
