#if canImport(Glibc)
import Glibc
#endif
import Collective
import XCTest

/// A process is a rank only if its launcher says so; MPI itself is exercised across real
/// ranks by scripts/test-mpi.sh (initialising it here would tie the test process to MPI).
final class CollectiveTests: XCTestCase {
    private let variables = ["OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "SLURM_NTASKS"]

    override func tearDown() { variables.forEach { unsetenv($0) } }

    func testWithoutALauncherThereIsNoJob() {
        variables.forEach { unsetenv($0) }
        XCTAssertNil(MPIGroup.launchedRank())
    }

    func testMpirunsVariablesNameTheRankAndSize() {
        setenv("OMPI_COMM_WORLD_RANK", "1", 1)
        setenv("OMPI_COMM_WORLD_SIZE", "4", 1)
        XCTAssertEqual(MPIGroup.launchedRank()?.rank, 1)
        XCTAssertEqual(MPIGroup.launchedRank()?.size, 4)
    }

    func testSrunWithPMIxNamesTheRankAndSlurmTheSize() {
        setenv("PMIX_RANK", "2", 1)
        setenv("SLURM_NTASKS", "3", 1)
        XCTAssertEqual(MPIGroup.launchedRank()?.rank, 2)
        XCTAssertEqual(MPIGroup.launchedRank()?.size, 3)
        setenv("PMIX_RANK", "not a number", 1)
        XCTAssertNil(MPIGroup.launchedRank())
    }
}
