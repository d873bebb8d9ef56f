import Logging
import NIOCore
import PostgresNIO

/// Streams rows into a table with `COPY … FROM STDIN` (text format): the fastest way into
/// PostgreSQL, a city's address table in seconds.
public enum CopyWriter {
    /// Sends `rows` (nil is SQL NULL) in chunks of about 1 MB, calling `progress` after each.
    public static func copy(
        _ rows: [[String?]], into table: String, columns: [String],
        on connection: PostgresConnection, logger: Logger,
        progress: (Int) -> Void = { _ in }
    ) async throws {
        try await connection.copyFrom(table: table, columns: columns, logger: logger) { writer in
            var buffer = ByteBuffer()
            buffer.reserveCapacity(1 << 20)
            for (index, row) in rows.enumerated() {
                for (position, value) in row.enumerated() {
                    if position > 0 { buffer.writeInteger(UInt8(ascii: "\t")) }
                    append(value, to: &buffer)
                }
                buffer.writeInteger(UInt8(ascii: "\n"))
                if buffer.readableBytes >= 1 << 20 {
                    try await writer.write(buffer)
                    buffer.clear()
                    progress(index + 1)
                }
            }
            if buffer.readableBytes > 0 { try await writer.write(buffer) }
            progress(rows.count)
        }
    }

    /// COPY text format: `\N` is NULL; backslash, tab and line breaks are escaped.
    static func append(_ value: String?, to buffer: inout ByteBuffer) {
        guard let value else {
            buffer.writeStaticString("\\N")
            return
        }
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
            case UInt8(ascii: "\t"): buffer.writeStaticString("\\t")
            case UInt8(ascii: "\n"): buffer.writeStaticString("\\n")
            case UInt8(ascii: "\r"): buffer.writeStaticString("\\r")
            default: buffer.writeInteger(byte)
            }
        }
    }
}
