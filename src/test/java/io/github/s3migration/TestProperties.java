package io.github.s3migration;

import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.PropertiesComponent;

/** Camel's properties as the job reads them, built without starting anything: for the unit tests of the settings. */
final class TestProperties {

    private TestProperties() {
    }

    /** These keys and values, and nothing else. */
    static PropertiesComponent of(String... keyValues) {
        PropertiesComponent properties = new DefaultCamelContext().getPropertiesComponent();
        for (int i = 0; i < keyValues.length; i += 2) {
            properties.addOverrideProperty(keyValues[i], keyValues[i + 1]);
        }
        return properties;
    }

    /** These keys and values over the packaged application.properties, as the job reads them. */
    static PropertiesComponent overDefaults(String... keyValues) {
        PropertiesComponent properties = of(keyValues);
        properties.setLocation("classpath:application.properties");
        return properties;
    }
}
