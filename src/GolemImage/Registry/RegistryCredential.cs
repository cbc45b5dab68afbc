namespace GolemImage.Registry
{
    /// <summary>
    /// A registry user name and personal access token. The token is only ever written into request bodies;
    /// <see cref="ToString"/> and every message name the user alone.
    /// </summary>
    public sealed class RegistryCredential
    {
        public RegistryCredential(string userName, string token)
        {
            UserName = userName;
            Token = token;
        }

        public string UserName { get; }

        public string Token { get; }

        public override string ToString() => UserName;
    }
}
