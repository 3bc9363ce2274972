// Validates FHIR R4 JSON resources with the HAPI FHIR instance validator, offline: the R4 core structure
// definitions and profiles (vital-signs included), UCUM and the common code systems, no terminology server.
// Usage: java -cp 'jars/*' Validate.java <file.json>...
// Prints one tab-separated line per message: file, severity, location, message; then "validated N".
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.SingleValidationMessage;
import ca.uhn.fhir.validation.ValidationResult;
import java.nio.file.Files;
import java.nio.file.Path;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;

public class Validate {
  public static void main(String[] args) throws Exception {
    FhirContext ctx = FhirContext.forR4();
    ValidationSupportChain chain = new ValidationSupportChain(
        new DefaultProfileValidationSupport(ctx),
        new SnapshotGeneratingValidationSupport(ctx),
        new CommonCodeSystemsTerminologyService(ctx),
        new InMemoryTerminologyServerValidationSupport(ctx));
    FhirInstanceValidator module = new FhirInstanceValidator(chain);
    FhirValidator validator = ctx.newValidator().registerValidatorModule(module);
    int n = 0;
    for (String file : args) {
      ValidationResult result = validator.validateWithResult(Files.readString(Path.of(file)));
      for (SingleValidationMessage m : result.getMessages()) {
        String message = m.getMessage().replace('\t', ' ').replace('\n', ' ');
        System.out.println(file + "\t" + m.getSeverity().getCode() + "\t" + m.getLocationString() + "\t" + message);
      }
      n++;
    }
    System.out.println("validated " + n);
  }
}
