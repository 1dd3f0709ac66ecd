--- kwhisk.cli.resume: `kwhisk resume NAME`, the other half of kwhisk.cli.suspend.
return require("kwhisk.cli.suspend").verb("resume")
