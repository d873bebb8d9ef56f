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
}
