import PostgresNIO

extension Database {
    /// `body` in a read-only REPEATABLE READ transaction of its own connection: every statement
    /// in it sees one moment. Under the exported `snapshot` when one is given (each SET
    /// TRANSACTION must come before any query).
    public func inSnapshot<T: Sendable>(_ logger: Logger, snapshot: String? = nil,
                                        _ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
            if let snapshot {
                try await connection.query("SET TRANSACTION SNAPSHOT '\(unescaped: snapshot)'", logger: logger)
            }
            return try await body(connection)
        }
    }
}

/// A column of numbers read as one `bytea`: PostgreSQL's binary send form of each value
/// (`float8send`, `int4send`, `int8send`), concatenated by `string_agg`. A million values come
/// in one row and decode in a plain loop; as a million rows, or as arrays, decoding them took
/// as long as PostgreSQL's read.
enum PackedColumn {
    /// Big-endian integers packed one after another, each turned into a value.
    static func unpack<Bits: FixedWidthInteger, Value>(_ bytes: ByteBuffer, _ value: (Bits) -> Value) -> [Value] {
        var bytes = bytes
        var values: [Value] = []
        values.reserveCapacity(bytes.readableBytes / MemoryLayout<Bits>.size)
        while let bits = bytes.readInteger(endianness: .big, as: Bits.self) { values.append(value(bits)) }
        return values
    }

    static func doubles(_ bytes: ByteBuffer) -> [Double] { unpack(bytes) { (bits: UInt64) in Double(bitPattern: bits) } }
    static func int32s(_ bytes: ByteBuffer) -> [Int32] { unpack(bytes) { (bits: Int32) in bits } }
    static func int64s(_ bytes: ByteBuffer) -> [Int64] { unpack(bytes) { (bits: Int64) in bits } }
}
