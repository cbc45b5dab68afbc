namespace GolemImage.Sources
{
    /// <summary>A user name and password (or token) for a registry.</summary>
    public sealed class RegistryCredential
    {
        public RegistryCredential(string userName, string password)
        {
            UserName = userName;
            Password = password;
        }

        public string UserName { get; }

        public string Password { get; }
    }
}
