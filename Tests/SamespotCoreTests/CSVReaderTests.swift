import SamespotCore
import Testing

@Suite struct CSVReaderTests {
    @Test func readsQuotedFieldsWithCommasQuotesAndLineBreaks() {
        let text = "a,b,c\n1,\"two, three\",\"say \"\"hi\"\"\"\n2,\"line\nbreak\",x\n3,y,z\n"
        let records = Array(CSVReader(string: text))
        #expect(records.count == 4)
        #expect(records[1].fields == ["1", "two, three", "say \"hi\""])
        #expect(records[2].fields == ["2", "line\nbreak", "x"])
        // The record after a quoted line break starts on physical line 5, not 4.
        #expect(records.map(\.line) == [1, 2, 3, 5])
    }

    @Test func ignoresByteOrderMarkCarriageReturnsAndBlankLines() {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("id,name\r\n1,Main\r\n\r\n2,State\r\n".utf8)
        let records = Array(CSVReader(bytes: bytes))
        #expect(records.map(\.fields) == [["id", "name"], ["1", "Main"], ["2", "State"]])
        #expect(records.map(\.line) == [1, 2, 4])
    }

    @Test func keepsEmptyTrailingField() {
        let records = Array(CSVReader(string: "a,b,\n"))
        #expect(records.first?.fields == ["a", "b", ""])
    }

    @Test func rowWithTooFewFieldsNamesItsLine() throws {
        let text = "house_number,street_name\n12,MAIN\n14\n"
        #expect(throws: CSVRowError(line: 3, message: "expected 2 fields as in the header, found 1")) {
            _ = try readCSV(bytes: Array(text.utf8))
        }
    }

    @Test func headerAliasesIgnoreCaseSpacesAndPunctuation() throws {
        let table = try readCSV(bytes: Array("ZIP Code,Street \n60601, STATE \n".utf8))
        #expect(table.rows[0].text("zip_code") == "60601")
        #expect(table.rows[0].text("street") == "STATE")
        #expect(table.rows[0].text("missing") == "")
    }

    @Test func typedReadsReportColumnAndValue() throws {
        let table = try readCSV(bytes: Array("house_number,longitude\nabc,-87.6\n12,200\n".utf8))
        #expect(throws: CSVRowError(line: 2, column: "house_number", message: "\"abc\" is not a whole number")) {
            _ = try table.rows[0].requiredInt("house_number")
        }
        #expect(throws: CSVRowError(line: 3, column: "longitude", message: "200 is outside -180.0…180.0")) {
            _ = try table.rows[1].requiredDouble(["longitude"], in: -180...180)
        }
    }

    /// A quote followed by a combining mark is one Character to Swift; the writer still doubles it.
    @Test func writerQuotesByScalarsSoEveryFieldReadsBack() {
        let fields = ["plain", "a, b", "say \"hi\"", "y \"\u{059D}`", "line\nbreak"]
        #expect(CSVWriter.field("y \"\u{059D}`") == "\"y \"\"\u{059D}`\"")
        let records = Array(CSVReader(string: CSVWriter.record(fields) + "\n" + CSVWriter.record(["x"])))
        #expect(records.map(\.fields) == [fields, ["x"]])
    }
}
