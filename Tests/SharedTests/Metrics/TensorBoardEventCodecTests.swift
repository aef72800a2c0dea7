import EventFileReading
import Testing
@testable import Shared

extension MetricsTests {
    /// The protobuf bytes of proto/tensorboard.proto's `Event`, packed by protobuf-c, against bytes worked out by hand.
    @Suite struct EventCodec {
        /// `Event{wall_time: 1.5, step: 3, summary: {value: [{tag: "loss", simple_value: 0.25}]}}`, by hand: field 1 as
        /// fixed64 (key 0x09, 1.5 = 0x3FF8000000000000), field 2 as varint (0x10, 3), field 5 as a 13-byte message (0x2A)
        /// holding field 1 as an 11-byte Value (0x0A) of tag (0x0A, 4, "loss") and simple_value as fixed32 (key 0x15,
        /// 0.25 = 0x3E800000).
        static let lossEventBytes: [UInt8] = [
            0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xF8, 0x3F,
            0x10, 0x03,
            0x2A, 0x0D,
            0x0A, 0x0B,
            0x0A, 0x04, 0x6C, 0x6F, 0x73, 0x73,
            0x15, 0x00, 0x00, 0x80, 0x3E,
        ]

        @Test func scalarEventEncodesToTheHandComputedBytes() {
            let event = TensorBoardEvent(wallTime: 1.5, step: 3, content: .scalars([.init(tag: "loss", value: 0.25)]))
            #expect(TensorBoardEventCodec.encode(event) == Self.lossEventBytes)
        }

        /// Step 0 is proto3's default and left out; the version is field 3 as a string (key 0x1A).
        @Test func fileVersionEventEncodesToTheHandComputedBytes() {
            let event = TensorBoardEvent(wallTime: 2, step: 0, content: .fileVersion(TensorBoardEvent.currentFileVersion))
            let expected: [UInt8] = [0x09, 0, 0, 0, 0, 0, 0, 0, 0x40, 0x1A, 13] + Array("brain.Event:2".utf8)
            #expect(TensorBoardEventCodec.encode(event) == expected)
        }

        /// A metric of 0 must still be a scalar: `simple_value` sits in a oneof, so protobuf-c writes it even when zero.
        @Test func zeroValueIsWrittenExplicitly() throws {
            let event = TensorBoardEvent(wallTime: 0, step: 1, content: .scalars([.init(tag: "w", value: 0)]))
            let bytes = TensorBoardEventCodec.encode(event)
            #expect(bytes == [0x10, 0x01, 0x2A, 0x0A, 0x0A, 0x08, 0x0A, 0x01, 0x77, 0x15, 0, 0, 0, 0])
            #expect(try EventFileReader.event(bytes).scalars.map(\.value) == [0])
        }

        @Test func eventsDecodeBackWithEveryScalarInOrder() throws {
            let scalars: [TensorBoardEvent.Scalar] = [
                .init(tag: "eval_rewards/margins", value: -1.25), .init(tag: "learning_rate", value: 3e-7),
                .init(tag: "tokens_per_second", value: 123_456.5),
            ]
            let event = TensorBoardEvent(wallTime: 1_700_000_000.125, step: 1 << 40, content: .scalars(scalars))
            let decoded = try EventFileReader.event(TensorBoardEventCodec.encode(event))
            #expect(decoded.wallTime == 1_700_000_000.125)
            #expect(decoded.step == 1 << 40)
            #expect(decoded.fileVersion == nil)
            #expect(decoded.scalars.map(\.tag) == scalars.map(\.tag))
            #expect(decoded.scalars.map(\.value) == scalars.map(\.value))
        }
    }
}
