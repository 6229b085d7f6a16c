package io.github.s3migration;

import java.io.Console;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Asks the operator on the terminal, and refuses to go on without one unless the answer is given in advance. */
final class Confirmation {

    private static final Logger LOG = LoggerFactory.getLogger(Confirmation.class);

    private final String answeredBy;

    /** @param answeredBy why the answer is yes without asking (migration.assume-yes=true, ...), or null to ask */
    Confirmation(String answeredBy) {
        this.answeredBy = answeredBy;
    }

    /** Returns when the answer is yes; anything else stops the job before it writes. */
    void ask(String question) {
        if (answeredBy != null) {
            LOG.info("{} (yes/no) yes ({})", question, answeredBy);
            return;
        }
        Console terminal = System.console();
        if (terminal == null) {
            throw new InvalidConfigurationException("No terminal to confirm on: run it from a terminal,"
                    + " or set migration.assume-yes=true to run without confirmation");
        }
        String answer = terminal.readLine("%s (yes/no) ", question);
        if (answer == null || !answer.trim().equalsIgnoreCase("yes")) {
            throw new InvalidConfigurationException("Not confirmed (answer was '" + (answer == null ? "" : answer.trim())
                    + "'): nothing was written");
        }
        LOG.debug("{} (yes/no) yes", question);
    }
}
