/// Splits a SQL script into single statements.
///
/// PostgreSQL's extended query protocol (what PostgresNIO speaks) takes one statement at a
/// time, so a migration file is split here: on `;` outside quotes, identifiers, comments and
/// dollar-quoted bodies (`$$ … $$`, `$fn$ … $fn$`), which function bodies use.
public enum SQLScript {
    public static func statements(_ script: String) -> [String] {
        let chars = Array(script.unicodeScalars)
        var statements: [String] = []
        var current = String.UnicodeScalarView()
        var i = 0
        var hasCode = false  // the current statement holds more than comments and spaces

        func flush() {
            let text = String(current).trimmingASCIIWhitespace()
            if hasCode, !text.isEmpty { statements.append(text) }
            current = String.UnicodeScalarView()
            hasCode = false
        }

        while i < chars.count {
            let c = chars[i]
            let next: Unicode.Scalar? = i + 1 < chars.count ? chars[i + 1] : nil
            if c == "-", next == "-" {
                while i < chars.count, chars[i] != "\n" { current.append(chars[i]); i += 1 }
                continue
            }
            if c == "/", next == "*" {
                var depth = 0
                repeat {
                    if chars[i] == "/", i + 1 < chars.count, chars[i + 1] == "*" {
                        depth += 1; current.append(chars[i]); current.append(chars[i + 1]); i += 2
                    } else if chars[i] == "*", i + 1 < chars.count, chars[i + 1] == "/" {
                        depth -= 1; current.append(chars[i]); current.append(chars[i + 1]); i += 2
                    } else {
                        current.append(chars[i]); i += 1
                    }
                } while depth > 0 && i < chars.count
                continue
            }
            if c == "'" || c == "\"" {
                hasCode = true
                current.append(c); i += 1
                while i < chars.count {
                    current.append(chars[i])
                    if chars[i] == c {
                        // A doubled quote is an escaped quote, not the end.
                        if i + 1 < chars.count, chars[i + 1] == c { current.append(chars[i + 1]); i += 2; continue }
                        i += 1
                        break
                    }
                    i += 1
                }
                continue
            }
            if c == "$", let tagEnd = dollarTagEnd(chars, from: i) {
                hasCode = true
                let tag = Array(chars[i...tagEnd])
                for s in tag { current.append(s) }
                i = tagEnd + 1
                while i < chars.count {
                    if chars[i] == "$", i + tag.count <= chars.count, Array(chars[i..<(i + tag.count)]) == tag {
                        for s in tag { current.append(s) }
                        i += tag.count
                        break
                    }
                    current.append(chars[i]); i += 1
                }
                continue
            }
            if c == ";" {
                flush()
                i += 1
                continue
            }
            if !(c == " " || c == "\n" || c == "\t" || c == "\r") { hasCode = true }
            current.append(c)
            i += 1
        }
        flush()
        return statements
    }

    /// The end of a dollar-quote opening tag (`$$` or `$name$`) starting at `start`, if it is one.
    private static func dollarTagEnd(_ chars: [Unicode.Scalar], from start: Int) -> Int? {
        var j = start + 1
        while j < chars.count {
            let s = chars[j]
            if s == "$" { return j }
            let isTagChar = s == "_" || CharacterSetASCII.isAlphanumeric(s)
            // A tag cannot start with a digit: `$1` is a parameter, not a quote.
            if !isTagChar || (j == start + 1 && (0x30...0x39).contains(s.value)) { return nil }
            j += 1
        }
        return nil
    }
}
