package io.github.s3migration;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A run names itself in PostgreSQL within the 63 bytes PostgreSQL keeps, its run id whole. */
@Tag("fast")
class RunLockTest {

    @Test
    void theHoldersNameKeepsTheRunIdWholeAndCutsALongHostToFit() {
        assertThat(RunLock.holderName("20261203-212400-c273-s1", "s3-row-migration-1-x7k2p"))
                .isEqualTo("run 20261203-212400-c273-s1 on s3-row-migration-1-x7k2p");
        String cut = RunLock.holderName("20261203-212400-c273-s12", "ip-10-0-12-34.eu-west-1.compute.internal");
        assertThat(cut).hasSize(63).isEqualTo("run 20261203-212400-c273-s12 on ip-10-0-12-34.eu-west-1.compute");
    }
}
