package io.github.s3migration;

import java.util.ArrayList;
import java.util.List;

/** A results page in markdown: how the runs were made, each latency's calibration, then a table row per run. */
final class MarkdownResults {

    private MarkdownResults() {
    }

    /** @param rows the table's rows, whose first two cells (latency, client) are text and the others figures */
    static List<String> page(String howRun, List<String> calibrations, List<String> columns, List<String> rows) {
        List<String> page = new ArrayList<>();
        page.add(howRun);
        page.add("");
        calibrations.forEach(line -> page.add("- " + line));
        page.add("");
        page.add("| " + String.join(" | ", columns) + " |");
        page.add("|---|---|" + "---:|".repeat(columns.size() - 2));
        page.addAll(rows);
        return page;
    }

    /** A batch size, or - for clients that have none. */
    static String batch(int batchSize) {
        return batchSize > 0 ? Integer.toString(batchSize) : "-";
    }
}
