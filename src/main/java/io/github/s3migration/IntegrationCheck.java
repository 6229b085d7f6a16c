package io.github.s3migration;

import java.util.ArrayList;
import java.util.List;

/**
 * The integration check: what a prepared dataset should look like before the migration and after it, compared with
 * what was detected. Every difference is a problem; none means "No problems detected!".
 */
final class IntegrationCheck {

    private final SampleDataset.Created requested;
    private final List<String> problems = new ArrayList<>();

    IntegrationCheck(SampleDataset.Created requested) {
        this.requested = requested;
    }

    void before(DataStatus status) {
        long total = requested.legacyRows() + requested.productionRows();
        expect("legacy rows before", requested.legacyRows(), status.legacyRows());
        expect("production rows before", requested.productionRows(), status.productionRows());
        expect("total rows before", total, status.totalRows());
        expectObjects("objects under the legacy prefix before", requested.legacyRows(), status.source());
        expectObjects("objects under the production prefix before", requested.productionRows(), status.target());
    }

    void after(DataStatus status, long deadLetters, long verifyProblems) {
        long total = requested.legacyRows() + requested.productionRows();
        expect("legacy rows after", 0, status.legacyRows());
        expect("production rows after", total, status.productionRows());
        expect("unexpected rows after", 0, status.unexpectedRows());
        expectObjects("objects under the production prefix after", total, status.target());
        expectObjects("objects under the legacy prefix after (legacy objects are kept)", requested.legacyRows(),
                status.source());
        expect("dead letters", 0, deadLetters);
        expect("rows pointing at a missing object or one that differs from its legacy source", 0, verifyProblems);
    }

    private void expect(String what, long expected, long detected) {
        if (expected != detected) {
            problems.add(what + ": expected " + expected + ", detected " + detected);
        }
    }

    private void expectObjects(String what, long expected, ObjectCounter.ObjectCount detected) {
        if (!detected.complete()) {
            problems.add(what + ": expected " + expected + ", not counted in full (migration.status.max-listed-objects)");
        } else {
            expect(what, expected, detected.count());
        }
    }

    List<String> problems() {
        return problems;
    }
}
