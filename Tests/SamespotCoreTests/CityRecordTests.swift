import SamespotCore
import Testing

@Suite struct CityRecordTests {
    @Test(arguments: [
        ("Completed", CaseStatus.closed, false), ("Open", .open, false), ("Canceled", .canceled, false),
        ("Completed - Dup", .closed, true), ("Open - Dup", .open, true),
    ])
    func readsCityStatusLabels(label: String, status: CaseStatus, duplicate: Bool) throws {
        let parsed = try #require(CityStatus(label: label))
        #expect(parsed.status == status)
        #expect(parsed.markedDuplicate == duplicate)
    }

    @Test func open311SeesOnlyOpenOrClosed() {
        // Referred and reopened cases are still open to a resident's app.
        #expect(CaseStatus.allCases.map(\.open311Status) == ["open", "open", "open", "open", "open", "closed", "closed"])
    }

    @Test func readsCurrentChicagoExportRow() throws {
        let csv = """
            sr_number,sr_type,sr_short_code,owner_department,status,origin,created_date,last_modified_date,closed_date,street_address,zip_code,duplicate,ward,latitude,longitude,parent_sr_number
            SR21-00000123,Pothole in Street Complaint,PHF,CDOT - Department of Transportation,Open,Mobile Device,2021-01-01T10:15:00.000,2021-01-02T09:00:00.000,,1200 W 63RD ST,60621,True,16,41.779,-87.655,SR20-09999999
            """
        let table = try readCSV(bytes: Array(csv.utf8))
        let record = try CityRequestRecord(row: table.rows[0])
        #expect(record.serviceRequestID == "SR21-00000123")
        #expect(record.serviceCode == "PHF")
        #expect(record.status == .open)
        #expect(record.requestedAt.isoLocal == "2021-01-01T10:15:00.000000")
        #expect(record.closedAt == nil)
        #expect(record.cityDuplicate)
        #expect(record.cityParentID == "SR20-09999999")
        #expect(record.longitude == -87.655 && record.latitude == 41.779)
        #expect(record.line == 2)
    }

    @Test func readsOlderPerTypeRowWithDuplicateInStatusAndDerivedCode() throws {
        let csv = """
            Creation Date,Status,Completion Date,Service Request Number,Type of Service Request,Street Address,ZIP Code,Ward,Latitude,Longitude
            2011-01-03,Completed - Dup,2011-01-05,11-00002158,Pot Hole in Street,4853 S WOOD,,20,41.805,-87.669
            """
        let record = try CityRequestRecord(row: try readCSV(bytes: Array(csv.utf8)).rows[0])
        #expect(record.serviceCode == "POT_HOLE_IN_STREET")
        #expect(record.status == .closed)
        #expect(record.cityDuplicate)
        #expect(!record.requestedAt.hasTimeOfDay)
        #expect(record.cityWard == "20")
    }

    @Test func badRequestRowsNameLineAndColumn() throws {
        let csv = """
            sr_number,sr_type,status,created_date,latitude,longitude
            SR1,Graffiti,Open,2021-01-01,41.8,
            SR2,Graffiti,Lost,2021-01-01,,
            SR3,Graffiti,Open,tomorrow,,
            """
        let rows = try readCSV(bytes: Array(csv.utf8)).rows
        #expect(throws: CSVRowError(line: 2, column: "latitude", message: "latitude and longitude must both be given or both be empty")) {
            _ = try CityRequestRecord(row: rows[0])
        }
        #expect(throws: CSVRowError.self) { _ = try CityRequestRecord(row: rows[1]) }
        #expect(throws: CSVRowError(line: 4, column: "created_date", message: "\"tomorrow\" is not a date (YYYY-MM-DD[THH:MM:SS])")) {
            _ = try CityRequestRecord(row: rows[2])
        }
    }

    @Test func addressPointFormatsCanonicalAddressFromCookCountyColumns() throws {
        let csv = "Add_Number,AddNum_Suf,St_PreDir,St_Name,St_PosTyp,Post_Code,Long,Lat\n1200,1/2,w,63rd,st,60621,-87.655,41.779\n"
        let point = try AddressPoint(row: try readCSV(bytes: Array(csv.utf8)).rows[0])
        #expect(point.fullAddress == "1200 1/2 W 63RD ST")
        #expect(point.zipCode == "60621")
    }

    @Test func locationPrecisionGatesMerging() {
        let mergeable = LocationPrecision.allCases.filter(\.isPreciseEnoughToMerge)
        #expect(mergeable == [.addressPoint, .interpolated, .intersection, .caller])
    }
}

@Suite struct Open311StatusGroupTests {
    @Test func openAndClosedNameGroupsOfStatuses() {
        #expect(CaseStatus.open311Group(named: "OPEN") == [.open, .acknowledged, .inProgress, .referred, .reopened])
        #expect(CaseStatus.open311Group(named: "closed") == [.closed, .canceled])
        #expect(CaseStatus.open311Group(named: "in_progress") == nil)
    }

    // MARK: Column mappings

    @Test func aPrefixedLowerCaseExportWithAnIndexColumnIsReadWithoutAMapping() throws {
        let csv = """
            Unnamed: 0,req.sr_number,req.sr_type,req.status,req.created_date,req.street_address,req.latitude,req.longitude,req.duplicate,req.parent_sr_number
            0,SR1,graffiti removal,open,2021-01-01T08:00:00,12 n state st,41.88,-87.62,false,
            1,SR2,graffiti removal,open,2021-01-01T09:00:00,12 n state st,41.88,-87.62,true,SR1
            """
        let rows = try readCSV(bytes: Array(csv.utf8)).rows
        let records = try rows.map { try CityRequestRecord(row: $0) }
        #expect(records.map(\.serviceRequestID) == ["SR1", "SR2"])
        #expect(records[0].serviceCode == "GRAFFITI_REMOVAL")
        #expect(records[0].address == "12 n state st")
        #expect(records[0].latitude == 41.88)
        #expect(records.map(\.cityDuplicate) == [false, true])
        #expect(records[1].cityParentID == "SR1")
    }

    @Test func aRenamedExportIsReadByAMappingWithAPatternLabel() throws {
        let mapping = try CityColumnMapping.decode(json: Array("""
            {"columns": {"id": "Case Number", "type": "Category", "status": "State", "created": "Opened",
                         "closed": "Closed", "address": "Location Text", "duplicate": "Notes",
                         "x": "POINT_X", "y": "POINT_Y"},
             "coordinatesEPSG": 3435, "duplicatePattern": "(?i)duplicate of"}
            """.utf8))
        let csv = """
            Case Number,Category,State,Opened,Closed,Location Text,Notes,POINT_X,POINT_Y
            101,Pothole,Closed,01/04/2021 08:00:00 AM,01/05/2021 08:00:00 AM,,Filled,1162234.142489,1896559.966858
            102,Pothole,Closed,01/04/2021 09:30:00 AM,01/05/2021 08:00:00 AM,,Duplicate of 101,1162240.0,1896560.0
            """
        let reader = try CityRecordReader(mapping: mapping)
        let records = try readCSV(bytes: Array(csv.utf8)).rows.map { try reader.record($0) }
        #expect(records.map(\.serviceRequestID) == ["101", "102"])
        #expect(records.map(\.cityDuplicate) == [false, true])
        #expect(records[0].status == .closed)
        #expect(records[1].requestedAt == CityTimestamp(year: 2021, month: 1, day: 4, hour: 9, minute: 30))
        // Coordinates only, in the state plane: kept for the caller to project.
        #expect(records[0].longitude == nil)
        #expect(records[0].projectedX == 1162234.142489)
        #expect(records[0].projectedY == 1896559.966858)
    }

    @Test func aParentColumnAloneLabelsDuplicates() throws {
        let mapping = try CityColumnMapping.decode(json: Array(#"{"columns": {"parent": "Merged Into"}}"#.utf8))
        let csv = "sr_number,sr_type,status,created_date,Merged Into\nA,Graffiti,Open,2021-01-01,\nB,Graffiti,Open,2021-01-01,A\n"
        let reader = try CityRecordReader(mapping: mapping)
        let records = try readCSV(bytes: Array(csv.utf8)).rows.map { try reader.record($0) }
        #expect(records.map(\.cityDuplicate) == [false, true])
        #expect(records[1].cityParentID == "A")
    }

    @Test func aMappingNamingAnUnknownFieldOrABadPatternIsRefused() {
        #expect(throws: CityColumnMappingError.self) {
            _ = try CityColumnMapping.decode(json: Array(#"{"columns": {"identifier": "Case"}}"#.utf8))
        }
        var mapping = CityColumnMapping()
        #expect(throws: CityColumnMappingError("--column id: write FIELD=HEADER, e.g. id=\"Case ID\"")) { try mapping.set(assignment: "id") }
        mapping.duplicatePattern = "(unclosed"
        #expect(throws: CityColumnMappingError.self) { try mapping.validate() }
    }

    @Test func aSharedPrefixNeedsEveryNamedColumn() {
        #expect(CSVHeader.sharedPrefix(["", "sr_a", "sr_b"]) == "sr_")
        #expect(CSVHeader.sharedPrefix(["sr_number", "sr_type", "status"]) == nil)
        #expect(CSVHeader.sharedPrefix(["a.b.c", "a.b.d"]) == "a.b.")
    }
}
