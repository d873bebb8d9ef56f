import PostgresNIO

/// A piece of a query, written by interpolation as a `PostgresQuery` is (`\(value)` becomes a
/// bind), and put into one with `\(fragment)`: its binds are numbered where it lands. So a
/// prepared statement with an optional part (intake's write with or without a parent) is
/// written once, and each shape is still one fixed SQL text with its own binds.
struct SQLFragment: ExpressibleByStringInterpolation {
    fileprivate var parts: [(inout PostgresQuery.StringInterpolation) -> Void]

    init(stringLiteral value: String) {
        parts = [{ $0.appendLiteral(value) }]
    }

    init(stringInterpolation: StringInterpolation) {
        parts = stringInterpolation.parts
    }

    struct StringInterpolation: StringInterpolationProtocol {
        fileprivate var parts: [(inout PostgresQuery.StringInterpolation) -> Void] = []

        init(literalCapacity: Int, interpolationCount: Int) {
            parts.reserveCapacity(2 * interpolationCount + 1)
        }

        mutating func appendLiteral(_ literal: String) {
            parts.append { $0.appendLiteral(literal) }
        }

        mutating func appendInterpolation<Value: PostgresDynamicTypeEncodable>(_ value: Value) {
            parts.append { $0.appendInterpolation(value) }
        }

        mutating func appendInterpolation<Value: PostgresDynamicTypeEncodable>(_ value: Value?) {
            parts.append { $0.appendInterpolation(value) }
        }

        mutating func appendInterpolation(unescaped text: String) {
            parts.append { $0.appendInterpolation(unescaped: text) }
        }

        mutating func appendInterpolation(_ fragment: SQLFragment) {
            parts += fragment.parts
        }
    }
}

extension PostgresQuery.StringInterpolation {
    mutating func appendInterpolation(_ fragment: SQLFragment) {
        for part in fragment.parts { part(&self) }
    }
}
