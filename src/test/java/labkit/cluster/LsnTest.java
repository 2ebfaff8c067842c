package labkit.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LsnTest {
    @Test
    void readsAndPrintsPositionsAsPostgresDoes() {
        assertEquals(0x16B3748L, Lsn.parse("0/16B3748").value());
        assertEquals((0x16L << 32) | 0xB374D848L, Lsn.parse("16/B374D848").value());
        assertEquals("16/B374D848", Lsn.parse("16/b374d848").toString());
        assertEquals("0/0", Lsn.ZERO.toString());
    }

    @Test
    void comparesAsWalPositionsNotAsText() {
        assertTrue(Lsn.parse("0/9000000").compareTo(Lsn.parse("0/10000000")) < 0, "text order would say the opposite");
        assertTrue(Lsn.parse("1/0").compareTo(Lsn.parse("0/FFFFFFFF")) > 0);
        assertTrue(Lsn.parse("FFFFFFFF/0").compareTo(Lsn.parse("1/0")) > 0, "the high bit set is still the larger");
        assertEquals(Lsn.parse("1/0"), Lsn.max(Lsn.parse("0/FFFFFFFF"), Lsn.parse("1/0")));
    }

    @Test
    void refusesWhatIsNotAPosition() {
        for (String bad : new String[] {"", "16B3748", "/1", "1/", "x/1", "100000000/0", null}) {
            assertThrows(IllegalArgumentException.class, () -> Lsn.parse(bad), String.valueOf(bad));
        }
    }
}
